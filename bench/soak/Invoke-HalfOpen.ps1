<#
.SYNOPSIS
    Half-open soak (issue 7): SIGSTOP the node server and time how long the client takes to notice (must be within
    pingInterval + pingTimeout + 1 s), then SIGCONT and time the recovery. Prints the figures as tables.
.DESCRIPTION
    A frozen process keeps its TCP connections open and the kernel even accepts new ones, but nothing answers: only
    the Engine.IO heartbeat can tell. Per trial the freeze lands at a random point of the ping cycle. While frozen the
    client emits one event (it must be buffered and arrive exactly once after the recovery), and each reconnect attempt
    meets the frozen server (its handshake times out after the connect timeout, 5 s).
    Core trials (bench/soak/SoakDriver) are timed from the client's lifecycle events; cmdlet trials poll the
    connection's State every 10 ms. Every process started is stopped on the way out (also on Ctrl+C and errors).
.EXAMPLE
    dotnet pwsh ./bench/soak/Invoke-HalfOpen.ps1                    # 5 core trials (websocket after upgrade) + 2 cmdlet trials
.EXAMPLE
    dotnet pwsh ./bench/soak/Invoke-HalfOpen.ps1 -Transport polling -CmdletTrials 0
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 100)] [int] $Trials = 5,
    [ValidateRange(0, 100)] [int] $CmdletTrials = 2,
    [int] $PingInterval = 2000,
    [int] $PingTimeout = 1000,
    [int] $FrozenMs = 3000,
    # default, websocket, polling; several: -Transport default,polling (also as one comma-separated string, as
    # `dotnet pwsh ./script.ps1 -Transport default,polling` passes it)
    [string[]] $Transport = @('default'),
    [int] $Seed = 7,
    [string] $SourceRoot,
    [switch] $NoBuild,
    [string] $OutDir
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'SoakCommon.ps1')
$Transport = @($Transport | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
foreach ($t in $Transport) { if ($t -notin 'default', 'websocket', 'polling') { throw "-Transport takes default, websocket, polling; got '$t'." } }
if (-not $OutDir) { $OutDir = Join-Path $script:RepoRoot 'out/soak' }
$OutDir = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutDir)
if ($SourceRoot) { $SourceRoot = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($SourceRoot) }
$paths = Initialize-Soak -SourceRoot $SourceRoot -OutDir $OutDir -NoBuild:$NoBuild -Driver -Module:($CmdletTrials -gt 0)
$bound = $PingInterval + $PingTimeout + 1000
$perTrial = ($bound + $FrozenMs + $PingInterval + 15000) / 1000

$results = [Collections.Generic.List[object]]::new()
try {
    foreach ($t in $Transport) {
        Write-Host "== core, $t ($Trials trials)" -ForegroundColor Cyan
        $limit = [int]($Trials * $perTrial + 60)
        $results.Add((Invoke-SoakChild -FilePath dotnet -OutDir $OutDir -TimeoutSec ($limit + 30) -ArgumentList @(
            $paths.Driver, 'halfopen', '--server', $script:ServerScript, '--out', $OutDir, '--trials', $Trials,
            '--ping-interval', $PingInterval, '--ping-timeout', $PingTimeout, '--frozen-ms', $FrozenMs, '--transport', $t,
            '--seed', $Seed, '--timeout-sec', $limit)))
    }
    if ($CmdletTrials -gt 0) {
        Write-Host "== cmdlets ($CmdletTrials trials)" -ForegroundColor Cyan
        $results.Add((Invoke-SoakChild -FilePath $script:Pwsh -OutDir $OutDir -TimeoutSec ([int]($CmdletTrials * $perTrial + 60)) -ArgumentList @(
            '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'cmdlet-halfopen.ps1'), '-ModulePath', $paths.Module,
            '-ServerScript', $script:ServerScript, '-OutDir', $OutDir, '-Trials', $CmdletTrials, '-PingInterval', $PingInterval,
            '-PingTimeout', $PingTimeout, '-FrozenMs', $FrozenMs, '-Seed', $Seed)))
    }
}
finally {
    Stop-StrayNode -OutDir $OutDir
}

$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
$results | ConvertTo-Json -Depth 8 | Set-Content -Path (Join-Path $OutDir "halfopen-$stamp.json")
$rows = foreach ($r in $results) {
    foreach ($trial in @($r.trials)) {
        if (-not $trial) { continue }
        [ordered]@{
            variant              = $r.variant
            trial                = $trial.trial
            transport            = $trial.transport
            'detect ms'          = Format-SoakNumber $trial.detectMs '0'
            'bound ms'           = $bound
            'within bound'       = Get-SoakVerdict ([bool]$trial.withinBound)
            reason               = $trial.reason
            'since last ping ms' = $(if ($trial.PSObject.Properties['sinceLastPingMs']) { Format-SoakNumber $trial.sinceLastPingMs '0' } else { 'n/a' })
            'attempts while frozen' = $(if ($trial.PSObject.Properties['attemptsWhileFrozen']) { "$($trial.attemptsWhileFrozen) ($($trial.failedAttemptsWhileFrozen) failed)" } else { 'n/a' })
            'recovery ms after SIGCONT' = $(if ($trial.recovered) { Format-SoakNumber $trial.recoveryMs '0' } else { 'NOT RECOVERED' })
            'buffered emit arrived' = "$($trial.bufferedArrivals)x"
        }
    }
}
$summary = foreach ($r in $results) {
    $done = @($r.trials | Where-Object { $_ })
    $detect = @($done | ForEach-Object { [double]$_.detectMs } | Sort-Object)
    $recover = @($done | Where-Object { $_.recovered } | ForEach-Object { [double]$_.recoveryMs } | Sort-Object)
    $expected = if ("$($r.variant)" -like 'cmdlets*') { $CmdletTrials } else { $Trials }
    [ordered]@{
        variant                 = $r.variant
        status                  = $r.status
        trials                  = "$($done.Count)/$expected"
        'detect ms min/median/max' = $(if ($detect) { "$(Format-SoakNumber $detect[0] '0') / $(Format-SoakNumber $detect[[int][math]::Floor(($detect.Count - 1) / 2)] '0') / $(Format-SoakNumber $detect[-1] '0')" } else { 'n/a' })
        'recovery ms min/median/max' = $(if ($recover) { "$(Format-SoakNumber $recover[0] '0') / $(Format-SoakNumber $recover[[int][math]::Floor(($recover.Count - 1) / 2)] '0') / $(Format-SoakNumber $recover[-1] '0')" } else { 'n/a' })
        "detect ≤ $bound ms (goal)" = Get-SoakVerdict ($done.Count -eq $expected -and @($done | Where-Object { -not $_.withinBound }).Count -eq 0)
        'reason = ping timeout'   = Get-SoakVerdict (@($done | Where-Object { $_.reason -ne 'ping timeout' }).Count -eq 0 -and $done.Count -gt 0)
        'recovered'               = Get-SoakVerdict ($done.Count -eq $expected -and @($done | Where-Object { -not $_.recovered }).Count -eq 0)
        'buffered exactly once'   = Get-SoakVerdict ($done.Count -eq $expected -and @($done | Where-Object { $_.bufferedArrivals -ne 1 }).Count -eq 0)
    }
}
$text = @(
    "## Half-open (SIGSTOP) — pingInterval $PingInterval ms, pingTimeout $PingTimeout ms, frozen $FrozenMs ms after detection ($(Get-Date -Format 'yyyy-MM-dd HH:mm'))"
    ''
    (Write-SoakTable -Rows @($rows) -Title 'Trials')
    (Write-SoakTable -Rows @($summary) -Title 'Summary and goals (issue 7)')
)
Set-Content -Path (Join-Path $OutDir "halfopen-$stamp.md") -Value ($text -join "`n")
Write-Host "Saved $(Join-Path $OutDir "halfopen-$stamp.md") and .json"
