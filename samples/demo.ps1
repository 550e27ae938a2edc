<#
.SYNOPSIS
    The README's demo: starts the bundled local Socket.IO server and shows the module at work.
.DESCRIPTION
    Connects, reads what the server pushed on connect, sends events with and without acknowledgement, answers an
    acknowledgement the server asks for, reacts to events with -Action, reads a stream through the pipeline, and
    disconnects. Ends by itself; stops the server it started, also on failure.
#>
param([Parameter(Mandatory)] [string] $ModulePath)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Import-Module (Join-Path $PSScriptRoot '../tests/servers/NodeServer.psm1')

function Show([string] $Text) { Write-Host "`n>> $Text" -ForegroundColor Cyan }

$server = Start-NodeServer
try {
    Show "Connect-SocketIo $($server.Uri) -Query @{ scenario = 'welcome' }"
    $c = Connect-SocketIo $server.Uri -Query @{ scenario = 'welcome' } -Name demo
    $c | Format-Table | Out-Host

    Show 'Receive-SocketIoEvent $c welcome -Count 1   # pushed by the server right after connecting'
    Receive-SocketIoEvent $c welcome -Count 1 -TimeoutSec 5 | Format-Table | Out-Host

    Show "Send-SocketIoEvent `$c echo-ack -Data @{ printer = 'mk4'; temps = 215, 60 } -Ack   # the server's ack comes back"
    Send-SocketIoEvent $c echo-ack -Data ([ordered]@{ printer = 'mk4'; temps = 215, 60 }) -Ack | Format-List | Out-Host

    Show "Register-SocketIoEvent `$c progress -Action { ... }   # runs on the pipeline thread for each event"
    $progress = [System.Collections.Generic.List[int]]::new()
    $job = Register-SocketIoEvent $c progress -MessageData $progress -Action {
        $Event.MessageData.Add($EventArgs.Message.Data.i)
        Write-Host ("   progress event {0}" -f $EventArgs.Message.Data.i) -ForegroundColor DarkGray
    }
    Send-SocketIoEvent $c burst -ArgumentList 5, 'progress'
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($progress.Count -lt 5 -and [DateTime]::UtcNow -lt $deadline) { $null = Wait-Event -Timeout 0.1 }
    Unregister-Event -SubscriptionId $job.Id
    "   -Action saw $($progress.Count) events: $($progress -join ', ')" | Out-Host

    Show "Send-SocketIoEvent `$c ask -ArgumentList 'confirm', 'start print?'   # the server asks us for an ack"
    Send-SocketIoEvent $c ask -ArgumentList 'confirm', 'start print?'
    $question = Receive-SocketIoEvent $c confirm -Count 1 -TimeoutSec 5
    "   server asked: '$($question.Data)' (AckRequested: $($question.AckRequested)); answering 'yes'" | Out-Host
    $question.Acknowledge('yes')
    Receive-SocketIoEvent $c answer -Count 1 -TimeoutSec 5 | Format-Table | Out-Host

    Show "1..3 | Send-SocketIoEvent `$c echo; Receive-SocketIoEvent `$c echo -Count 3 | Measure-Object"
    1..3 | Send-SocketIoEvent $c echo
    Receive-SocketIoEvent $c echo -Count 3 -TimeoutSec 5 | Measure-Object | Select-Object Count | Out-Host

    Show 'Get-SocketIoConnection'
    Get-SocketIoConnection | Format-Table | Out-Host

    Show 'Get-SocketIoConnection | Disconnect-SocketIo'
    Get-SocketIoConnection | Disconnect-SocketIo
    "   state: $($c.State)" | Out-Host
}
finally {
    Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
    Stop-NodeServer $server
}
Write-Host "`nDemo finished." -ForegroundColor Green
