<#
.SYNOPSIS
    Interactive printer watcher: a status table that refreshes, and OctoPrint's events as they happen.
.DESCRIPTION
    Connects to one or more OctoPrint servers and shows, every -RefreshSec seconds, one status table for all of them
    (state, file, progress, time left, temperatures) with the latest events below it. Events reach the screen through
    a Register-SocketIoEvent -Action handler; between refreshes the script waits in Wait-SocketIoEvent, which keeps
    that handler running at once, without using CPU while nothing happens.

    It runs until Ctrl+C, or for -DurationSec seconds, or - with -UntilJobEnds - until a print job ends (the exit code
    is then the job's: 0 done, 1 failed, 2 cancelled). It also ends when every connection is closed for good.

    When the output is not a console (redirected to a file, run by a test or a service), or with -NoClear, it does
    not clear the screen: it prints each refresh's table and each event as a log line instead.
.EXAMPLE
    pwsh -NoProfile -File watch-printer.ps1 -Uri https://octopi.local -ApiKey $env:OCTOPRINT_API_KEY
.EXAMPLE
    pwsh -NoProfile -File watch-printer.ps1 -Saved mk4,voron -RefreshSec 5 -UntilJobEnds
#>
[CmdletBinding(DefaultParameterSetName = 'Uri', PositionalBinding = $false)]
param(
    [Parameter(Mandatory, ParameterSetName = 'Uri')] [string[]] $Uri,
    [Parameter(ParameterSetName = 'Uri')] [string] $ApiKey = $env:OCTOPRINT_API_KEY,
    [Parameter(Mandatory, ParameterSetName = 'Saved')] [string[]] $Saved,
    [ValidateRange(1, 3600)] [int] $RefreshSec = 2,
    [ValidateRange(0, [int]::MaxValue)] [int] $DurationSec = 0,
    [switch] $UntilJobEnds,
    [switch] $NoClear,
    [string] $ModulePath = 'SocketIo'
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
# 'pwsh -File' passes -Uri a,b as one string: split comma lists here.
if ($Uri) { $Uri = @($Uri | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ }) }
if ($Saved) { $Saved = @($Saved | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ }) }

$interactive = -not $NoClear -and -not [Console]::IsOutputRedirected
$printers = @()
$exitCode = 0
try {
    $printers = if ($PSCmdlet.ParameterSetName -eq 'Saved') {
        @(Connect-OctoPrint -Saved $Saved)
    }
    else {
        if (-not $ApiKey) { throw 'No API key: pass -ApiKey or set OCTOPRINT_API_KEY.' }
        @($Uri | Connect-OctoPrint -ApiKey $ApiKey)
    }

    # The event handler: runs on this script's thread, at once while the script waits in Wait-SocketIoEvent.
    $recent = [System.Collections.Generic.Queue[string]]::new()
    $state = @{ Recent = $recent; Interactive = $interactive; JobEnded = $null }
    foreach ($printer in $printers) {
        $null = Register-SocketIoEvent $printer 'event:*' -SourceIdentifier "WatchPrinter.$($printer.Id)" -MessageData $state -Action {
            $m = $EventArgs.Message
            $payload = $m.Data.payload
            $detail = foreach ($name in 'name', 'state_string', 'reason', 'new') { if ($payload -and $payload.PSObject.Properties[$name] -and $payload.$name) { $payload.$name; break } }
            $line = '{0:HH:mm:ss} {1,-10} {2} {3}' -f $m.ReceivedAt.ToLocalTime(), $m.Connection.Name, $m.Data.type, $detail
            $s = $Event.MessageData
            if ($s.Interactive) {
                $s.Recent.Enqueue($line)
                while ($s.Recent.Count -gt 10) { $null = $s.Recent.Dequeue() }
            }
            else {
                Write-Host "[event] $line"
            }
            if ($m.Data.type -in 'PrintDone', 'PrintFailed') { $s.JobEnded = $m }
        }
    }

    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        $table = Get-OctoPrintStatus -Connection $printers -ErrorAction SilentlyContinue | Format-Table | Out-String -Width 120
        if ($interactive) {
            Clear-Host
            Write-Host ('{0} printer(s) - {1:HH:mm:ss} - Ctrl+C to stop' -f $printers.Count, (Get-Date))
            Write-Host $table.TrimEnd()
            Write-Host "`nRecent events:"
            $recent | ForEach-Object { Write-Host "  $_" }
        }
        else {
            Write-Host ('[status] {0:HH:mm:ss}' -f (Get-Date))
            Write-Host $table.TrimEnd()
        }

        if ($UntilJobEnds -and $state.JobEnded) {
            $m = $state.JobEnded
            $exitCode = if ($m.Data.type -eq 'PrintDone') { 0 } elseif ($m.Data.payload.reason -eq 'cancelled') { 2 } else { 1 }
            Write-Host "The job on $($m.Connection.Name) ended: $($m.Data.type)."
            break
        }
        if (-not ($printers | Where-Object State -ne 'Disconnected')) { Write-Host 'Every connection is closed.'; break }
        $left = if ($DurationSec -gt 0) { $DurationSec - [int]$clock.Elapsed.TotalSeconds } else { $RefreshSec }
        if ($left -le 0) { break }
        # Sleep until the next refresh, running the event handler as events arrive (Start-Sleep would hold them back).
        $null = Wait-SocketIoEvent -Connection $printers -TimeoutSec ([Math]::Min($RefreshSec, $left))
    }
}
catch {
    Write-Host "watch-printer: $($_.Exception.Message) [$($_.FullyQualifiedErrorId -replace ',.*$')]"
    $exitCode = 3
}
finally {
    Get-EventSubscriber | Where-Object SourceIdentifier -like 'WatchPrinter.*' | Unregister-Event
    if ($printers) { $printers | Disconnect-SocketIo -ErrorAction SilentlyContinue }
}
exit $exitCode
