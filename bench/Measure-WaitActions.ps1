<#
.SYNOPSIS
    Measures how fast -Action blocks run while a script waits in Wait-SocketIoEvent, and what an idle wait costs.
.DESCRIPTION
    Starts the bundled Socket.IO test server, registers an -Action on a connection, asks the server for a burst of
    events and waits with Wait-SocketIoEvent for an event sent after the burst. Prints the actions per second
    (first to last action) and the CPU time an idle Wait-SocketIoEvent used, with and without -Action subscriptions.
    A benchmark, not a test: it prints figures and asserts nothing but completeness. The machine's load shows in the
    figures (it prints the load average where there is one).
.EXAMPLE
    dotnet pwsh ./build.ps1 Layout; dotnet pwsh ./bench/Measure-WaitActions.ps1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/SocketIo'),
    [int] $Count = 20000,
    [int] $IdleSeconds = 5
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'SocketIo.psd1')
Import-Module (Join-Path $PSScriptRoot '../tests/servers/NodeServer.psm1')

$server = Start-NodeServer
try {
    if (Test-Path /proc/loadavg) { "Load average: $((Get-Content /proc/loadavg) -replace ' \d+/.*$')"; "Cores: $([Environment]::ProcessorCount)" }
    $c = Connect-SocketIo $server.Uri
    $stats = [pscustomobject]@{ Count = 0; First = $null; Last = $null }
    $null = Register-SocketIoEvent $c tick -SourceIdentifier Bench.Tick -MessageData $stats -Action {
        $s = $Event.MessageData
        if ($s.Count -eq 0) { $s.First = [Diagnostics.Stopwatch]::GetTimestamp() }
        $s.Count++
        $s.Last = [Diagnostics.Stopwatch]::GetTimestamp()
    }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Send-SocketIoEvent $c burst -ArgumentList $Count, 'tick'
    Send-SocketIoEvent $c echo -Data 'done'     # the server answers after the whole burst
    $done = Wait-SocketIoEvent $c echo -TimeoutSec 120
    $clock.Stop()
    if (-not $done) { throw 'The burst did not end within 120 s.' }
    if ($stats.Count -ne $Count) { throw "Only $($stats.Count) of $Count actions ran." }
    $actionSeconds = ($stats.Last - $stats.First) / [Diagnostics.Stopwatch]::Frequency
    '{0} -Action blocks ran while Wait-SocketIoEvent waited: {1:N0} actions/s (first to last action), {2:N2} s from send to return.' -f `
        $Count, ($Count / $actionSeconds), $clock.Elapsed.TotalSeconds

    # Idle cost, against a Start-Sleep baseline of the same length in the same process (the runtime's own background
    # work - tiered JIT after the burst, GC, timers - is in both). Let that settle first.
    Start-Sleep -Seconds 2
    $process = [Diagnostics.Process]::GetCurrentProcess()
    function Measure-Cpu([scriptblock] $Body) {
        $process.Refresh(); $before = $process.TotalProcessorTime
        & $Body
        $process.Refresh(); ($process.TotalProcessorTime - $before).TotalMilliseconds
    }
    foreach ($case in 'with an -Action subscription', 'without subscriptions') {
        if ($case -eq 'without subscriptions') { Unregister-Event Bench.Tick }
        $baseline = Measure-Cpu { Start-Sleep -Seconds $IdleSeconds }
        $wait = Measure-Cpu { $null = Wait-SocketIoEvent $c never -TimeoutSec $IdleSeconds }
        'Idle Wait-SocketIoEvent for {0} s {1}: {2:N0} ms CPU ({3:P2} of one core); Start-Sleep baseline: {4:N0} ms.' -f $IdleSeconds, $case, $wait, ($wait / 1000 / $IdleSeconds), $baseline
    }
}
finally {
    Get-SocketIoConnection | Disconnect-SocketIo
    Stop-NodeServer $server
}
