<#
.SYNOPSIS
    Fault soak (issue 7): N cycles of SIGKILL / restart on the same port of the node server while the client emits at
    a steady rate and receives a server stream. Prints delivery, reconnect and resource figures as tables.
.DESCRIPTION
    Variants, each against a fresh bench/soak/soak-server.js on 127.0.0.1 (it logs every arrival with a synchronous
    write before acking, so its record survives SIGKILL):
      core buffered   the SocketIo core (bench/soak/SoakDriver): EmitAsync, socket.io's default (at most once; emits
                      made while disconnected are buffered and must arrive exactly once, in order)
      core retries    EmitAsync with Retries (the at-least-once queue): nothing may be lost; duplicates are counted
                      and deduplicated by k
      cmdlets         Send-SocketIoEvent / Receive-SocketIoEvent in a child pwsh (fewer cycles: -CmdletCycles)
    Definitions of every figure: bench/soak/README.md. Every process started is stopped on the way out (normal end,
    error, Ctrl+C, time limit).
.EXAMPLE
    dotnet pwsh ./bench/soak/Invoke-RestartSoak.ps1                 # 100 cycles per core variant + 20 cmdlet cycles
.EXAMPLE
    dotnet pwsh ./bench/soak/Invoke-RestartSoak.ps1 -Cycles 10 -CmdletCycles 5   # quick run (~2 min)
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 10000)] [int] $Cycles = 100,
    # buffered, retries (also as one comma-separated string: `dotnet pwsh ./script.ps1 -Mode buffered,retries`);
    # none: only the cmdlet variant
    [string[]] $Mode = @('buffered', 'retries'),
    [ValidateRange(0, 1000)] [int] $CmdletCycles = 20,
    [ValidateSet('default', 'websocket', 'polling')] [string] $Transport = 'default',
    [int] $Rate = 200,
    [int] $TickRate = 100,
    [int] $CmdletRate = 50,
    [int] $CmdletTickRate = 50,
    [int] $Seed = 7,
    [string] $SourceRoot,
    [switch] $NoBuild,
    [string] $OutDir
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'SoakCommon.ps1')
$Mode = @($Mode | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
foreach ($m in $Mode) { if ($m -notin 'buffered', 'retries', 'none') { throw "-Mode takes buffered, retries (or none: cmdlets only); got '$m'." } }
$Mode = @($Mode | Where-Object { $_ -ne 'none' })
if (-not $OutDir) { $OutDir = Join-Path $script:RepoRoot 'out/soak' }
$OutDir = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutDir)
if ($SourceRoot) { $SourceRoot = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($SourceRoot) }
$started = [Diagnostics.Stopwatch]::StartNew()
$paths = Initialize-Soak -SourceRoot $SourceRoot -OutDir $OutDir -NoBuild:$NoBuild -Driver -Module:($CmdletCycles -gt 0)

$results = [Collections.Generic.List[object]]::new()
try {
    foreach ($m in $Mode) {
        Write-Host "== core $m ($Cycles cycles, $Transport)" -ForegroundColor Cyan
        $limit = [int]($Cycles * 6 + 180)
        $r = Invoke-SoakChild -FilePath dotnet -OutDir $OutDir -TimeoutSec ($limit + 30) -ArgumentList @(
            $paths.Driver, 'restart', '--server', $script:ServerScript, '--out', $OutDir, '--mode', $m, '--cycles', $Cycles,
            '--rate', $Rate, '--tick-rate', $TickRate, '--transport', $Transport, '--seed', $Seed, '--timeout-sec', $limit)
        if (-not $r.PSObject.Properties['variant']) { $r | Add-Member variant "core $m $Transport" -Force }
        $results.Add($r)
    }
    if ($CmdletCycles -gt 0) {
        Write-Host "== cmdlets ($CmdletCycles cycles)" -ForegroundColor Cyan
        $limit = [int]($CmdletCycles * 8 + 120)
        $r = Invoke-SoakChild -FilePath $script:Pwsh -OutDir $OutDir -TimeoutSec $limit -ArgumentList @(
            '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'cmdlet-restart.ps1'),
            '-ModulePath', $paths.Module, '-ServerScript', $script:ServerScript, '-OutDir', $OutDir, '-Cycles', $CmdletCycles,
            '-Rate', $CmdletRate, '-TickRate', $CmdletTickRate, '-Seed', $Seed)
        if ($r.status -eq 'ok') {
            $a = Invoke-SoakChild -FilePath dotnet -OutDir $OutDir -TimeoutSec 120 -ArgumentList @($paths.Driver, 'analyze', '--client', $r.clientFile, '--log', $r.log)
            foreach ($p in $a.PSObject.Properties) { if ($p.Name -notin 'status', 'mode', 'exitCode') { $r | Add-Member $p.Name $p.Value -Force } }
            if ($a.status -ne 'ok') { $r.status = "analyze: $($a.status) $($a.note)" }
        }
        # Percentiles over the cycle rows, as the driver computes them.
        foreach ($key in 'outageMs', 'afterReadyMs') {
            $values = @($r.cycleDetail | Where-Object { $_ -and $_.PSObject.Properties[$key] } | ForEach-Object { [double]$_.$key } | Sort-Object)
            $at = { param($p) if ($values.Count -eq 0) { $null } else { $values[[math]::Min($values.Count - 1, [math]::Ceiling($p * $values.Count) - 1)] } }
            $r | Add-Member $key ([pscustomobject]@{ n = $values.Count; p50 = (& $at 0.5); p99 = (& $at 0.99); max = $(if ($values) { $values[-1] }) }) -Force
        }
        $r | Add-Member reconnectTimeouts (@($r.cycleDetail | Where-Object { $_ -and $_.PSObject.Properties['reconnectTimeout'] }).Count) -Force
        $r | Add-Member emitsDiscarded $(if ($r.PSObject.Properties['connection']) { $r.connection.EmitsDiscarded }) -Force
        $r | Add-Member unobservedTaskExceptions 'n/a' -Force
        $results.Add($r)
    }
}
finally {
    Stop-StrayNode -OutDir $OutDir
}

# ---- tables ----
function Get-Prop($Object, [string] $Name) { if ($Object -and $Object.PSObject.Properties[$Name]) { $Object.$Name } else { $null } }
function Get-Sample($r, [string] $Label) { @($r.samples) | Where-Object { $_ -and $_.label -like $Label } | Select-Object -First 1 }
$delivery = foreach ($r in $results) {
    $crashed = $r.status -ne 'ok'
    $atLeastOnce = "$($r.variant)" -like '*retries*'
    [ordered]@{
        variant                    = $r.variant
        status                     = $r.status
        cycles                     = Get-Prop $r 'cycles'
        'emitted'                  = Get-Prop $r 'emitted'
        'buffered (arrived)'       = "$(Get-Prop $r 'outcomeBuffered') ($(Get-Prop $r 'bufferedDelivered'))"
        'lost: real'               = Get-Prop $r 'lostReal'
        'lost at kill: silent / reported' = "$(Get-Prop $r 'lostInFlightAtKill') / $(Get-Prop $r 'lostReportedAtKill')"
        'duplicates'               = "$(Get-Prop $r 'duplicates')$(if ($atLeastOnce) { ' (deduped)' })"
        'order viol.'              = Get-Prop $r 'orderViolations'
        'stream: got / lost real / lost at kill' = "$(Get-Prop $r 'ticksReceived') / $(Get-Prop $r 'ticksLostReal') / $(Get-Prop $r 'ticksLostInFlightAtKill')"
        'stream dup / order'       = "$(Get-Prop $r 'ticksDuplicates') / $(Get-Prop $r 'ticksOrderViolations')"
    }
}
$resources = foreach ($r in $results) {
    $s = Get-Sample $r 'start'; $e = Get-Sample $r 'end'
    $outage = Get-Prop $r 'outageMs'; $after = Get-Prop $r 'afterReadyMs'
    [ordered]@{
        variant                    = $r.variant
        'crashes'                  = $(if ($r.status -eq 'ok') { 0 } else { 1 })
        'unobserved task exc.'     = Get-Prop $r 'unobservedTaskExceptions'
        'emit errors'              = "$(Get-Prop $r 'emitErrors')$(Get-Prop $r 'sendErrors')"
        'EmitsDiscarded'           = Get-Prop $r 'emitsDiscarded'
        'reconnect timeouts'       = Get-Prop $r 'reconnectTimeouts'
        'outage p50/p99 ms'        = "$(Format-SoakNumber $outage.p50 '0') / $(Format-SoakNumber $outage.p99 '0')"
        'after ready p50/p99 ms'   = "$(Format-SoakNumber $after.p50 '0') / $(Format-SoakNumber $after.p99 '0')"
        'threads start→end'        = "$($s.threads) → $($e.threads)"
        'RSS MB start→end'         = "$(Format-SoakNumber $s.rssMB) → $(Format-SoakNumber $e.rssMB)"
        'private MB start→end'     = "$(Format-SoakNumber $s.privateMB) → $(Format-SoakNumber $e.privateMB)"
        'private MB after aggressive GC start→end' = "$(Format-SoakNumber $s.privateAggressiveMB) → $(Format-SoakNumber $e.privateAggressiveMB)"
        'managed MB start→end'     = "$(Format-SoakNumber $s.managedMB '0.00') → $(Format-SoakNumber $e.managedMB '0.00')"
    }
}
$memory = foreach ($r in $results) {
    foreach ($sample in @($r.samples)) {
        [ordered]@{ variant = $r.variant; sample = $sample.label; threads = $sample.threads; 'RSS MB' = $sample.rssMB; 'private MB' = $sample.privateMB; 'managed MB' = $sample.managedMB; 'GC committed MB' = $sample.gcCommittedMB; 'private MB after aggressive GC' = $sample.privateAggressiveMB; 'JIT methods' = $sample.jitMethods; 'JIT IL MB' = $sample.jitCodeMB; assemblies = $sample.assemblies; 'send errors' = $sample.sendErrors }
    }
}
$text = @(
    "## Restart soak ($(Get-Date -Format 'yyyy-MM-dd HH:mm'), $([Environment]::ProcessorCount) cores, $([math]::Round($started.Elapsed.TotalMinutes, 1)) min)"
    ''
    (Write-SoakTable -Rows @($delivery) -Title 'Delivery (client → server `s` k, server → client `tick`)')
    (Write-SoakTable -Rows @($resources) -Title 'Crashes, reconnect time, resources (samples after a full GC)')
    (Write-SoakTable -Rows @($memory) -Title 'Resource samples')
)

# ---- goals ----
$goals = foreach ($r in $results) {
    # Flat within noise: from the warm sample (a tenth of the cycles in) to the end, at most 4 more threads and private
    # memory (after an aggressive GC: what the GC merely keeps committed for reuse is not a leak) up by at most
    # max(10 MB, 25 %). The start sample (first up phase) still includes warm-up growth; `last` is taken after the
    # last cycle's up phase, before the end phase runs code the cycles never ran (which the `end` sample includes).
    $s = Get-Sample $r 'warm*'; if (-not $s) { $s = Get-Sample $r 'start' }
    $e = Get-Sample $r 'last*'; if (-not $e) { $e = Get-Sample $r 'end' }
    $metric = if ($s -and $s.PSObject.Properties['privateAggressiveMB']) { 'privateAggressiveMB' } else { 'privateMB' }
    $flat = $s -and $e -and (($e.threads - $s.threads) -le 4) -and (($e.$metric - $s.$metric) -le [math]::Max(10, 0.25 * $s.$metric))
    [ordered]@{
        variant          = $r.variant
        'crashes = 0'    = Get-SoakVerdict ($r.status -eq 'ok')
        'lost = 0 (real)' = Get-SoakVerdict ((Get-Prop $r 'lostReal') -eq 0 -and (Get-Prop $r 'ticksLostReal') -eq 0)
        'dup = 0'        = $(if ("$($r.variant)" -like '*retries*') { "deduped ($(Get-Prop $r 'duplicates'))" } else { Get-SoakVerdict ((Get-Prop $r 'duplicates') -eq 0 -and (Get-Prop $r 'ticksDuplicates') -eq 0) })
        'order = 0'      = Get-SoakVerdict ((Get-Prop $r 'orderViolations') -eq 0 -and (Get-Prop $r 'ticksOrderViolations') -eq 0)
        'buffered exactly once' = Get-SoakVerdict ((Get-Prop $r 'lostBuffered') -eq 0 -and (Get-Prop $r 'duplicates') -eq 0 -or "$($r.variant)" -like '*retries*')
        'threads/private flat (warm→last cycle)' = "$(Get-SoakVerdict $flat) (threads $($s.threads)→$($e.threads); private after aggressive GC $(Format-SoakNumber $s.$metric)→$(Format-SoakNumber $e.$metric) MB)"
    }
}
$text += (Write-SoakTable -Rows @($goals) -Title 'Goals (issue 7)')
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
Set-Content -Path (Join-Path $OutDir "restart-soak-$stamp.md") -Value ($text -join "`n")
$results | ConvertTo-Json -Depth 8 | Set-Content -Path (Join-Path $OutDir "restart-soak-$stamp.json")
Write-Host "Saved $(Join-Path $OutDir "restart-soak-$stamp.md") and .json"
