<#
.SYNOPSIS
    The long fuzz run: every decoder property and round trip of the core tests (tests/SocketIo.Core.Tests/Fuzz) with
    many inputs each; prints inputs/s and failures per property.
.DESCRIPTION
    Runs the same CsCheck properties CI runs (a few thousand inputs each, fixed seed) with -Iterations inputs per
    property, on -Threads threads, from a random seed unless -Seed is given (the seed is printed; with the same seed,
    iteration count and thread count a run repeats exactly). Each input is bounded by -CaseTimeoutMs: a slower case,
    or one that never returns, is a failure. Exits 1 when any property failed; the failing inputs, their seeds and a
    shrunk example are in the test output above the table.
.EXAMPLE
    dotnet pwsh ./bench/Invoke-Fuzz.ps1 -Iterations 1000000
.EXAMPLE
    dotnet pwsh ./bench/Invoke-Fuzz.ps1 -Iterations 100000 -Filter 'FullyQualifiedName~SioPacketDecoder'
#>
[CmdletBinding()]
param(
    [ValidateRange(1, [int]::MaxValue)]
    [int] $Iterations = 1000000,
    [uint64] $Seed = [uint64](Get-Random -Minimum 1 -Maximum ([int]::MaxValue)),
    [ValidateRange(1, 256)]
    [int] $Threads = [Environment]::ProcessorCount,
    [ValidateRange(100, 600000)]
    [int] $CaseTimeoutMs = 5000,
    [string] $Filter = 'Category=Fuzz',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$root = Split-Path $PSScriptRoot -Parent
$project = Join-Path $root 'tests/SocketIo.Core.Tests/SocketIo.Core.Tests.csproj'
$report = Join-Path ([IO.Path]::GetTempPath()) "socketio-fuzz-$PID-$([guid]::NewGuid().ToString('N')).jsonl"
$variables = @{
    SOCKETIO_FUZZ_ITERATIONS      = "$Iterations"
    SOCKETIO_FUZZ_SEED            = "$Seed"
    SOCKETIO_FUZZ_THREADS         = "$Threads"
    SOCKETIO_FUZZ_CASE_TIMEOUT_MS = "$CaseTimeoutMs"
    SOCKETIO_FUZZ_REPORT          = $report
}
$saved = @{}
foreach ($name in $variables.Keys) {
    $saved[$name] = [Environment]::GetEnvironmentVariable($name)
    [Environment]::SetEnvironmentVariable($name, $variables[$name])
}

Write-Host "Fuzz run: $Iterations inputs per property, seed $Seed, $Threads thread(s), case limit $CaseTimeoutMs ms, filter '$Filter'." -ForegroundColor Cyan
$clock = [Diagnostics.Stopwatch]::StartNew()
try {
    & dotnet test $project -c $Configuration --nologo --filter $Filter --logger 'console;verbosity=normal'
    $testExit = $LASTEXITCODE
}
finally {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}
$clock.Stop()

if (-not (Test-Path $report)) {
    Write-Error "No figures were written (did the build fail, or did the filter match no fuzz property?). dotnet test exited with $testExit."
    exit 1
}
$rows = Get-Content $report | ForEach-Object { $_ | ConvertFrom-Json }
Remove-Item $report -ErrorAction SilentlyContinue

$format = '{0,-66} {1,12} {2,9} {3,10} {4,9}'
Write-Host ($format -f 'Property', 'Inputs', 'Seconds', 'Inputs/s', 'Failures')
foreach ($row in $rows | Sort-Object property) {
    Write-Host ($format -f $row.property, $row.inputs.ToString('N0'), $row.seconds.ToString('N1'), $row.perSecond.ToString('N0'), $row.failures)
}

$inputs = ($rows | Measure-Object inputs -Sum).Sum
$failures = ($rows | Measure-Object failures -Sum).Sum
Write-Host ("{0} properties, {1:N0} inputs in {2:N0} s (seed {3}, {4} thread(s)): {5} failure(s)." -f @($rows).Count, $inputs, $clock.Elapsed.TotalSeconds, $Seed, $Threads, $failures)
if ($failures -gt 0 -or $testExit -ne 0) { exit 1 }
