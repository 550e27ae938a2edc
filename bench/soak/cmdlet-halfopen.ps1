<#
.SYNOPSIS
    Half-open trials through the cmdlets (run by Invoke-HalfOpen.ps1 in a child pwsh; not meant to be run alone).
.DESCRIPTION
    Connect-SocketIo to soak-server.js, then per trial: SIGSTOP the server at a random point of the ping cycle, poll
    the connection's State every 10 ms until it is no longer Connected (time to detection; the reason is the
    connection's DisconnectReason), Send-SocketIoEvent one event while frozen (it is buffered), keep the server frozen
    -FrozenMs, SIGCONT, wait until Connected again (recovery: the connection's ConnectedAt minus the SIGCONT time),
    and check with the server's log that the buffered event arrived once. Prints "RESULT {json}".
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ServerScript,
    [Parameter(Mandatory)] [string] $OutDir,
    [int] $Trials = 2,
    [int] $PingInterval = 2000,
    [int] $PingTimeout = 1000,
    [int] $FrozenMs = 3000,
    [int] $Seed = 7
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$log = Join-Path $OutDir 'halfopen-cmdlets.log'
Remove-Item $log -ErrorAction SilentlyContinue
$random = [Random]::new($Seed)
$bound = $PingInterval + $PingTimeout + 1000
$result = [ordered]@{ variant = 'cmdlets default'; pingInterval = $PingInterval; pingTimeout = $PingTimeout; boundMs = $bound }
$rows = [Collections.Generic.List[object]]::new()
$process = $null
$conn = $null
try {
    $info = [Diagnostics.ProcessStartInfo]::new('node')
    foreach ($a in @($ServerScript, '--port', 0, '--ping-interval', $PingInterval, '--ping-timeout', $PingTimeout, '--log', $log, '--tick-rate', 50)) { $info.ArgumentList.Add([string]$a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $process = [Diagnostics.Process]::Start($info)
    Add-Content -Path (Join-Path $OutDir 'node-pids.txt') -Value $process.Id
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not ($line.Wait(15000) -and $line.Result -match '^READY (\d+)$')) { throw 'soak-server.js did not start' }
    $port = [int]$Matches[1]
    $conn = Connect-SocketIo -Uri "http://127.0.0.1:$port" -ReconnectionDelay 200 -ReconnectionDelayMax 1000 -ConnectionTimeoutSeconds 5
    [Console]::Error.WriteLine("cmdlet half-open: connected to 127.0.0.1:$port; $Trials trials, bound $bound ms")
    for ($t = 0; $t -lt $Trials; $t++) {
        Start-Sleep -Milliseconds (1000 + $random.Next(0, $PingInterval))
        $row = [ordered]@{ trial = $t + 1; transport = $conn.Transport }
        $frozenAt = [DateTime]::UtcNow
        & kill -STOP $process.Id
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while ($conn.State -eq 'Connected' -and $clock.ElapsedMilliseconds -lt ($bound + 10000)) { Start-Sleep -Milliseconds 10 }
        $row.detectMs = [math]::Round(([DateTime]::UtcNow - $frozenAt).TotalMilliseconds, 1)
        $row.reason = $conn.DisconnectReason
        $row.withinBound = $row.detectMs -le $bound
        Send-SocketIoEvent -Connection $conn -EventName s -Data (1000 + $t)
        $row.bufferedEmits = $conn.BufferedEmits
        Start-Sleep -Milliseconds $FrozenMs
        $reconnects = $conn.Reconnects
        $thawedAt = [DateTime]::UtcNow
        & kill -CONT $process.Id
        $clock.Restart()
        while (($conn.Reconnects -le $reconnects -or $conn.State -ne 'Connected') -and $clock.ElapsedMilliseconds -lt 30000) { Start-Sleep -Milliseconds 10 }
        $row.recovered = $conn.State -eq 'Connected' -and $conn.Reconnects -gt $reconnects
        if ($row.recovered) { $row.recoveryMs = [math]::Round(($conn.ConnectedAt - $thawedAt).TotalMilliseconds, 1) }
        $null = Send-SocketIoEvent -Connection $conn -EventName flush -Ack -TimeoutSec 10
        $row.bufferedArrivals = @(Get-Content $log | Where-Object { $_ -match "^R \d+ $(1000 + $t) " }).Count
        $rows.Add($row)
        [Console]::Error.WriteLine("cmdlet trial $($t + 1): detected after $($row.detectMs) ms ($($row.reason)), recovered $($row.recoveryMs) ms after SIGCONT, buffered emit arrived $($row.bufferedArrivals)x")
    }
    $result.status = 'ok'
}
catch {
    $result.status = 'error'
    $result.note = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
}
finally {
    $result.trials = $rows
    if ($conn) { try { Disconnect-SocketIo -Connection $conn -Confirm:$false } catch { } }
    if ($process -and -not $process.HasExited) { try { $process.Kill() } catch { } }   # SIGKILL ends a stopped process too
    [Console]::Out.WriteLine('RESULT ' + ($result | ConvertTo-Json -Depth 5 -Compress))
}
