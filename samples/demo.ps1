<#
.SYNOPSIS
    The README's demo: starts the bundled local servers and shows the module at work.
.DESCRIPTION
    Part 1 watches a simulated 3D printer (the bundled OctoPrint simulator): connect with an API key, react to
    print events with -Action, stream status through the pipeline while a print runs, then wait for a second
    print with Wait-OctoPrintJob the way a scheduled task would. Part 2 talks to a Socket.IO server: events both
    ways, acknowledgements both ways. Ends by itself; stops every server it started, also on failure.
#>
param([Parameter(Mandatory)] [string] $ModulePath)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # the demo prints its own progress lines
Import-Module $ModulePath
Import-Module (Join-Path $PSScriptRoot '../tests/servers/NodeServer.psm1')

function Show([string] $Text) { Write-Host "`n>> $Text" -ForegroundColor Cyan }
function Format-Status($s) {
    '   {0,-11} {1,-14} {2,6} left {3,-9} tool {4,5:0.0}/{5:0}  bed {6,4:0.0}/{7:0}' -f $s.State, $s.File,
        $(if ($null -ne $s.Progress) { '{0:0.0}%' -f $s.Progress } else { '' }), $s.PrintTimeLeft, $s.ToolActual, $s.ToolTarget, $s.BedActual, $s.BedTarget
}

$printer = $null
$socketServer = $null
try {
    $printer = Start-NodeServer -Script octoprint-sim.js -ArgumentList '--print-seconds', '4'
    $socketServer = Start-NodeServer -Script socketio-server.js

    # ---------------------------------------------------------------- Part 1: a watched printer (OctoPrint)
    Show "Connect-OctoPrint $($printer.Uri) -ApiKey `$env:OCTOPRINT_KEY -Name mk4"
    $env:OCTOPRINT_KEY = 'test-api-key'      # the simulator's key; a real script would read it from a vault
    $op = Connect-OctoPrint $printer.Uri -ApiKey $env:OCTOPRINT_KEY -Name mk4
    $op | Format-Table | Out-Host

    Show 'Get-OctoPrintStatus'
    Get-OctoPrintStatus | Format-Table | Out-Host

    Show "Register-SocketIoEvent `$op 'event:Print*' -Action { ... }   # print events through PowerShell's event queue"
    $events = Register-SocketIoEvent $op 'event:Print*' -Action {
        $e = $EventArgs.Message.Data
        $detail = if ($e.payload.name) { $e.payload.name } else { $e.payload.state_string }
        Write-Host ("   [event] {0} {1}" -f $e.type, $detail) -ForegroundColor Yellow
    }

    Show "Start a print; stream 'current' through the pipeline until PrintDone"
    Invoke-RestMethod -Method Post -Uri "$($printer.Uri)/test/start" | Out-Null
    $last = [DateTime]::MinValue
    $done = Receive-SocketIoEvent $op current, 'event:PrintDone', 'event:PrintFailed' -TimeoutSec 30 |
        ForEach-Object {
            if ($_.EventName -eq 'event') { $_; return }
            if (($_.ReceivedAt - $last).TotalSeconds -ge 1) { Format-Status $op.Status | Out-Host; $last = $_.ReceivedAt }
        } | Select-Object -First 1
    $null = Wait-Event -Timeout 1   # lets the -Action blocks queued meanwhile run
    "   the pipeline saw: $($done.Data.type) of $($done.Data.payload.name) after $([math]::Round($done.Data.payload.time, 1)) s" | Out-Host

    Show 'A second print, waited for the way a scheduled task would: $r = Wait-OctoPrintJob $op; exit $r.ExitCode'
    Invoke-RestMethod -Method Post -Uri "$($printer.Uri)/test/start" | Out-Null
    $result = Wait-OctoPrintJob $op -TimeoutSec 30
    $null = Wait-Event -Timeout 1
    $result | Format-Table | Out-Host
    Unregister-Event -SubscriptionId $events.Id

    # ---------------------------------------------------------------- Part 2: Socket.IO
    Show "Connect-SocketIo $($socketServer.Uri) -Query @{ scenario = 'welcome' }; Receive-SocketIoEvent `$c welcome -Count 1"
    $c = Connect-SocketIo $socketServer.Uri -Query @{ scenario = 'welcome' } -Name chat
    Receive-SocketIoEvent $c welcome -Count 1 -TimeoutSec 5 | Format-Table | Out-Host

    Show "Send-SocketIoEvent `$c echo-ack -Data @{ printer = 'mk4'; state = ... } -Ack   # the server acknowledges"
    Send-SocketIoEvent $c echo-ack -Data ([ordered]@{ printer = 'mk4'; outcome = "$($result.Outcome)" }) -Ack | Format-List | Out-Host

    Show "Send-SocketIoEvent `$c ask -ArgumentList 'confirm', 'start next job?'   # the server asks us for an ack"
    Send-SocketIoEvent $c ask -ArgumentList 'confirm', 'start next job?'
    $question = Receive-SocketIoEvent $c confirm -Count 1 -TimeoutSec 5
    "   server asked '$($question.Data)' (AckRequested: $($question.AckRequested)); answering 'yes'" | Out-Host
    $question.Acknowledge('yes')
    Receive-SocketIoEvent $c answer -Count 1 -TimeoutSec 5 | Format-Table | Out-Host

    Show 'Get-SocketIoConnection'
    Get-SocketIoConnection | Format-Table | Out-Host

    Show 'Get-SocketIoConnection | Disconnect-SocketIo'
    Get-SocketIoConnection | Disconnect-SocketIo
}
finally {
    Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
    Stop-NodeServer $socketServer
    Stop-NodeServer $printer
}
Write-Host "`nDemo finished." -ForegroundColor Green
