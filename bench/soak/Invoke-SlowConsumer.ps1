<#
.SYNOPSIS
    Slow-consumer soak (issue 7): the server sends 5,000 events/s for -Minutes while a PowerShell consumer spends 10 ms
    on each event. Memory must stay bounded, and the overflow policy must be applied and counted, visible in
    Get-SocketIoConnection. Prints the figures as tables.
.DESCRIPTION
    Two variants, each in a fresh child pwsh that imports the module (bench/soak/slow-consumer.ps1):
      Receive   Receive-SocketIoEvent | ForEach-Object { 10 ms }: the connection's mailbox (-ReceiveBufferSize,
                default 10,000) drops its oldest message when full and counts it in UnreadDropped.
      Register  Register-SocketIoEvent + Wait-Event / 10 ms / Remove-Event: the module stops raising into PowerShell's
                event queue while it holds 100,000 unprocessed events and counts those in EventsDropped.
    The server (bench/soak/soak-server.js, started here, 127.0.0.1) paces the stream on a 10 ms clock. The consumer
    samples itself every 10 s (after a full GC). Every process started is stopped on the way out (Ctrl+C too).
.EXAMPLE
    dotnet pwsh ./bench/soak/Invoke-SlowConsumer.ps1                # 5 minutes per variant (~11 min)
.EXAMPLE
    dotnet pwsh ./bench/soak/Invoke-SlowConsumer.ps1 -Minutes 1     # quick run (~2.5 min)
#>
[CmdletBinding()]
param(
    [ValidateRange(0.1, 120)] [double] $Minutes = 5,
    # Receive, Register (also as one comma-separated string)
    [string[]] $Variant = @('Receive', 'Register'),
    [int] $Rate = 5000,
    [int] $WorkMs = 10,
    [ValidateSet('Sleep', 'Spin')] [string] $Work = 'Sleep',
    [int] $SampleSec = 10,
    [int] $ReceiveBufferSize = 10000,
    [string] $SourceRoot,
    [switch] $NoBuild,
    [string] $OutDir
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'SoakCommon.ps1')
$Variant = @($Variant | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
foreach ($v in $Variant) { if ($v -notin 'Receive', 'Register') { throw "-Variant takes Receive, Register; got '$v'." } }
if (-not $OutDir) { $OutDir = Join-Path $script:RepoRoot 'out/soak' }
$OutDir = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutDir)
if ($SourceRoot) { $SourceRoot = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($SourceRoot) }
$paths = Initialize-Soak -SourceRoot $SourceRoot -OutDir $OutDir -NoBuild:$NoBuild -Module
Import-Module (Join-Path $script:ServersDir 'NodeServer.psm1') -Force

$results = [Collections.Generic.List[object]]::new()
foreach ($v in $Variant) {
    $server = $null
    try {
        # Owned by this script (not listed in node-pids.txt, which Invoke-SoakChild empties after the child): it exits
        # when our stdin pipe to it closes, also if this script dies.
        $server = Start-NodeServer -Script $script:ServerScript
        Write-Host "== $v consumer: $Rate events/s for $Minutes min, $WorkMs ms ($Work) per event (server 127.0.0.1:$($server.Port))" -ForegroundColor Cyan
        $r = Invoke-SoakChild -FilePath $script:Pwsh -OutDir $OutDir -TimeoutSec ([int]($Minutes * 60 + 120)) -ArgumentList @(
            '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'slow-consumer.ps1'), '-ModulePath', $paths.Module,
            '-Url', $server.Uri, '-Variant', $v, '-Minutes', $Minutes, '-Rate', $Rate, '-WorkMs', $WorkMs, '-Work', $Work,
            '-SampleSec', $SampleSec, '-ReceiveBufferSize', $ReceiveBufferSize)
        $results.Add($r)
        if ($r.PSObject.Properties['table']) { Write-Host "Get-SocketIoConnection at the end:`n$($r.table)`n$($r.counters)" }
    }
    finally {
        if ($server) { Stop-NodeServer $server }
        Stop-StrayNode -OutDir $OutDir
    }
}
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
$results | ConvertTo-Json -Depth 8 | Set-Content -Path (Join-Path $OutDir "slow-consumer-$stamp.json")

function Get-Prop($Object, [string] $Name) { if ($Object -and $Object.PSObject.Properties[$Name]) { $Object.$Name } else { $null } }
$summary = foreach ($r in $results) {
    $samples = @($r.samples | Where-Object { $_ })
    $timed = @($samples | Where-Object { $_.label -like 't+*' })
    $half = [math]::Floor($timed.Count / 2)
    $firstHalf = @($timed | Select-Object -First ([math]::Max(1, $half)))
    $secondHalf = @($timed | Select-Object -Skip $half)
    $maxFirst = ($firstHalf | Measure-Object privateMB -Maximum).Maximum
    $maxSecond = ($secondHalf | Measure-Object privateMB -Maximum).Maximum
    $start = $samples | Where-Object { $_.label -eq 'start' } | Select-Object -First 1
    $end = $samples | Where-Object { $_.label -eq 'end' } | Select-Object -First 1
    # Bounded: over the second half of the run, private memory never exceeds the first half's maximum by more than
    # max(10 MB, 10 %) — a queue that grows without bound would keep climbing.
    $bounded = $timed.Count -ge 2 -and $maxSecond -le [math]::Max($maxFirst + 10, 1.1 * $maxFirst)
    $received = Get-Prop $r 'eventsReceived'
    $processed = Get-Prop $r 'processed'
    $isReceive = $r.variant -eq 'Receive'
    $dropped = if ($isReceive) { Get-Prop $r 'unreadDropped' } else { Get-Prop $r 'eventsDropped' }
    # Nothing dropped silently: every `ev` received was processed, is still waiting, or was counted as dropped
    # (stream-end is one more event received; the Receive variant read it).
    $accounted = if ($isReceive) { $processed + (Get-Prop $r 'unread') + $dropped + 1 } else { $processed + (Get-Prop $r 'eventQueueAtEnd') + $dropped + 1 }
    [ordered]@{
        variant                = $(if ($isReceive) { 'Receive-SocketIoEvent \| ForEach-Object' } else { 'Register-SocketIoEvent + Wait-Event loop' })
        status                 = $r.status
        'minutes'              = $r.minutes
        'server sent'          = Get-Prop $r 'serverSent'
        'EventsReceived'       = $received
        'processed (per s)'    = "$processed ($(Format-SoakNumber ($processed / [math]::Max(1, (Get-Prop $r 'consumeSeconds'))) '0'))"
        'dropped (counter)'    = "$dropped ($(if ($isReceive) { 'UnreadDropped' } else { 'EventsDropped' }))"
        'accounted = received' = Get-SoakVerdict ($accounted -eq $received)
        'private MB start / max 1st half / max 2nd half / end' = "$($start.privateMB) / $maxFirst / $maxSecond / $($end.privateMB)"
        'RSS MB max'           = ($samples | Measure-Object rssMB -Maximum).Maximum
        'threads start→end'    = "$($start.threads) → $($end.threads)"
        'memory bounded'       = Get-SoakVerdict $bounded
        'policy applied, counted, visible' = Get-SoakVerdict ($dropped -gt 0 -and $accounted -eq $received)
    }
}
$sampleRows = foreach ($r in $results) {
    foreach ($s in @($r.samples | Where-Object { $_ })) {
        [ordered]@{
            variant = $r.variant; sample = $s.label; 'RSS MB' = $s.rssMB; 'private MB' = $s.privateMB; 'managed MB' = $s.managedMB; 'GC committed MB' = $s.gcCommittedMB; 'private after aggr. GC' = $s.privateAggressiveMB; threads = $s.threads
            received = $s.EventsReceived; processed = $s.processed; Unread = $s.Unread; UnreadDropped = $s.UnreadDropped; EventsDropped = $s.EventsDropped
            'event queue' = $s.eventQueue
        }
    }
}
$text = @(
    "## Slow consumer — $Rate events/s for $Minutes min, $WorkMs ms ($Work) per event ($(Get-Date -Format 'yyyy-MM-dd HH:mm'))"
    ''
    (Write-SoakTable -Rows @($summary) -Title 'Summary and goals (issue 7)')
    (Write-SoakTable -Rows @($sampleRows) -Title 'Samples (every 10 s, after a full GC)')
)
Set-Content -Path (Join-Path $OutDir "slow-consumer-$stamp.md") -Value ($text -join "`n")
Write-Host "Saved $(Join-Path $OutDir "slow-consumer-$stamp.md") and .json"
