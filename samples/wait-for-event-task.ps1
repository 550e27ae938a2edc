<#
.SYNOPSIS
    Scheduled task: wait for one event on a Socket.IO or OctoPrint connection, log what happens meanwhile, then act.
.DESCRIPTION
    The pattern for Task Scheduler, cron or a systemd timer: connect, register -Action handlers, wait with
    Wait-SocketIoEvent (no CPU while nothing happens, handlers running as events arrive), act once the event is
    there, and end with an exit code the scheduler records:

      0  the event arrived and the action succeeded
      1  the event did not arrive within -TimeoutSec
      2  the connection closed for good before the event arrived
      3  could not connect
      4  the event arrived but the action failed (the notification was not acknowledged)

    Several event names are one comma-separated argument (no spaces) on a pwsh -File command line.
    Watch a Socket.IO server with -Uri, or an OctoPrint server with -OctoPrintUri (API key from -ApiKey or the
    environment variable OCTOPRINT_API_KEY; its events are named 'event:<Type>', e.g. 'event:PrintDone').
    While it waits, an -Action handler appends every message to -LogPath. The action when the event arrives: the
    message is written to the output and, with -NotifyUri, forwarded to a Socket.IO server as -NotifyEvent, and the
    task waits for that server's acknowledgement.
.EXAMPLE
    pwsh -NoProfile -File wait-for-event-task.ps1 -OctoPrintUri https://octopi.local -EventName event:PrintDone,event:PrintFailed -LogPath C:\Tasks\printer.log -NotifyUri https://notify.example.com -TimeoutSec 36000
.EXAMPLE
    # Register it with Task Scheduler (Windows), every morning at 6:
    $action = New-ScheduledTaskAction -Execute pwsh.exe -Argument '-NoProfile -NonInteractive -File C:\Tasks\wait-for-event-task.ps1 -Uri https://jobs.example.com -EventName job-ready -TimeoutSec 3600'
    Register-ScheduledTask -TaskName 'Wait for job' -Action $action -Trigger (New-ScheduledTaskTrigger -Daily -At 6am)
#>
[CmdletBinding(DefaultParameterSetName = 'SocketIo', PositionalBinding = $false)]
param(
    [Parameter(Mandatory, ParameterSetName = 'SocketIo')] [string] $Uri,
    [Parameter(Mandatory, ParameterSetName = 'OctoPrint')] [string] $OctoPrintUri,
    [Parameter(ParameterSetName = 'OctoPrint')] [string] $ApiKey = $env:OCTOPRINT_API_KEY,
    [Parameter(Mandatory)] [string[]] $EventName,
    [string] $LogPath,
    [string] $NotifyUri,
    [string] $NotifyEvent = 'notify',
    [ValidateRange(0, [int]::MaxValue)] [int] $TimeoutSec = 3600,
    [string] $ModulePath = 'SocketIo'
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
# 'pwsh -File' passes -EventName a,b as one string: split comma lists here.
$EventName = @($EventName | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })

function Write-Log([string] $Message) { Write-Output ('{0:yyyy-MM-dd HH:mm:ss} {1}' -f (Get-Date), $Message) }

$script:ExitCode = 3
function Invoke-Task {
    try {
        $connection = if ($PSCmdlet.ParameterSetName -eq 'OctoPrint') {
            if (-not $ApiKey) { throw 'No API key: pass -ApiKey or set OCTOPRINT_API_KEY.' }
            Connect-OctoPrint -Uri $OctoPrintUri -ApiKey $ApiKey
        }
        else {
            Connect-SocketIo -Uri $Uri
        }
    }
    catch {
        Write-Log "Could not connect: $($_.Exception.Message) [$($_.FullyQualifiedErrorId -replace ',.*$')]"
        $script:ExitCode = 3
        return
    }
    try {
        Write-Log "Connected to $($connection.Uri); waiting up to $TimeoutSec s for $($EventName -join ' or ')."
        if ($LogPath) {
            # Runs for every message while Wait-SocketIoEvent waits below (Start-Sleep would hold these back).
            $null = Register-SocketIoEvent $connection '*' -SourceIdentifier WaitTask.Log -MessageData $LogPath -Action {
                $m = $EventArgs.Message
                $name = if ($m.EventName -eq 'event') { "event:$($m.Data.type)" } else { $m.EventName }
                if ($name -ne 'current') {   # OctoPrint's status ticks: too many for a log
                    Add-Content -Path $Event.MessageData -Value ('{0:o} {1} {2}' -f $m.ReceivedAt, $name, (ConvertTo-Json -InputObject $m.Data -Compress -Depth 5))
                }
            }
        }

        $message = Wait-SocketIoEvent -Connection $connection -EventName $EventName -TimeoutSec $TimeoutSec
        if (-not $message) {
            if ($connection.State -eq 'Disconnected') {
                Write-Log "The connection closed before the event arrived: $($connection.DisconnectReason)."
                $script:ExitCode = 2
            }
            else {
                Write-Log "No $($EventName -join ' or ') within $TimeoutSec s."
                $script:ExitCode = 1
            }
            return
        }

        # The action.
        $name = if ($message.EventName -eq 'event') { "event:$($message.Data.type)" } else { $message.EventName }
        Write-Log "Got $name from $($message.Connection.Name): $(ConvertTo-Json -InputObject $message.Data -Compress -Depth 5)"
        $script:ExitCode = 0
        if ($NotifyUri) {
            try {
                $notify = Connect-SocketIo -Uri $NotifyUri -NoReconnect
                try {
                    $reply = Send-SocketIoEvent $notify $NotifyEvent -Data ([ordered]@{ source = "$($connection.Uri)"; event = $name; receivedAt = $message.ReceivedAt; data = $message.Data }) -Ack -TimeoutSec 30
                    Write-Log "Notified $NotifyUri ($NotifyEvent); acknowledged: $(ConvertTo-Json -InputObject $reply -Compress -Depth 5)"
                }
                finally { Disconnect-SocketIo $notify }
            }
            catch {
                Write-Log "The notification failed: $($_.Exception.Message) [$($_.FullyQualifiedErrorId -replace ',.*$')]"
                $script:ExitCode = 4
            }
        }
    }
    finally {
        Get-EventSubscriber -SourceIdentifier WaitTask.Log -ErrorAction SilentlyContinue | Unregister-Event
        Disconnect-SocketIo $connection -ErrorAction SilentlyContinue
    }
}

Invoke-Task
Write-Log "Exit code $script:ExitCode."
exit $script:ExitCode
