<#
.SYNOPSIS
    The kill/restart soak through the cmdlets (run by Invoke-RestartSoak.ps1 in a child pwsh; not meant to be run alone).
.DESCRIPTION
    One PowerShell loop does what a script would: Send-SocketIoEvent 's' k at a steady rate (buffered while the
    connection is away), Receive-SocketIoEvent -TimeoutSec 0 for the server's 'tick' stream, and in between it SIGKILLs
    soak-server.js and starts it again on the same port. It writes the client's record (client.json, same format as the
    core driver's) for `SoakDriver analyze`, and prints "RESULT {json}" with its own timings, counters and samples.
    Every node process it starts is killed in `finally` (and listed in node-pids.txt for the parent's cleanup).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ServerScript,
    [Parameter(Mandatory)] [string] $OutDir,
    [int] $Cycles = 20,
    [int] $Rate = 50,
    [int] $TickRate = 50,
    [int[]] $UpMs = @(1000, 2000),
    [int[]] $DownMs = @(100, 700),
    [int] $Seed = 7
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

$log = Join-Path $OutDir 'restart-cmdlets.log'
$clientFile = Join-Path $OutDir 'restart-cmdlets-client.json'
$pidFile = Join-Path $OutDir 'node-pids.txt'
Remove-Item $log, $clientFile -ErrorAction SilentlyContinue
$random = [Random]::new($Seed)
$servers = [Collections.Generic.List[Diagnostics.Process]]::new()

function Start-SoakServer([int] $Port, [int] $Gen) {
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($true) {
        $info = [Diagnostics.ProcessStartInfo]::new('node')
        foreach ($a in @($ServerScript, '--port', $Port, '--gen', $Gen, '--log', $log, '--tick-rate', $TickRate)) { $info.ArgumentList.Add([string]$a) }
        $info.UseShellExecute = $false
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $p = [Diagnostics.Process]::Start($info)
        $servers.Add($p)
        Add-Content -Path $pidFile -Value $p.Id
        $line = $p.StandardOutput.ReadLineAsync()
        if ($line.Wait(15000) -and $line.Result -match '^READY (\d+)$') { return [pscustomobject]@{ Process = $p; Port = [int]$Matches[1] } }
        try { $p.Kill() } catch { }
        if ([DateTime]::UtcNow -gt $deadline) { throw "soak-server.js did not start on port $Port" }
        Start-Sleep -Milliseconds 50
    }
}

function Get-ProcSample([string] $Label) {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $status = Get-Content /proc/self/status
    $kb = { param($name) [double](($status | Where-Object { $_ -like "${name}:*" }) -split '\s+')[1] }
    $sample = [ordered]@{
        label     = $Label
        rssMB     = [math]::Round((& $kb 'VmRSS') / 1024, 1)
        privateMB = [math]::Round((& $kb 'RssAnon') / 1024, 1)
        threads   = [int](& $kb 'Threads')
        managedMB = [math]::Round([GC]::GetTotalMemory($false) / 1MB, 2)
        gcCommittedMB = [math]::Round([GC]::GetGCMemoryInfo().TotalCommittedBytes / 1MB, 1)
        # Code, not data: methods compiled and assemblies loaded explain one-time steps (a first error path run).
        jitMethods = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
        jitCodeMB = [math]::Round([System.Runtime.JitInfo]::GetCompiledILBytes($false) / 1MB, 2)
        assemblies = [AppDomain]::CurrentDomain.GetAssemblies().Count
        sendErrors = $script:sendErrors
    }
    [GC]::Collect(2, [GCCollectionMode]::Aggressive, $true, $true)
    $sample.privateAggressiveMB = [math]::Round([double]((Get-Content /proc/self/status | Where-Object { $_ -like 'RssAnon:*' }) -split '\s+')[1] / 1024, 1)
    $sample
}

# The client's record goes to files as it happens (not to lists in this process, whose memory is measured).
$emitFile = Join-Path $OutDir 'restart-cmdlets-emits.csv'
$tickFile = Join-Path $OutDir 'restart-cmdlets-ticks.csv'
$emitWriter = [IO.StreamWriter]::new($emitFile, $false)
$tickWriter = [IO.StreamWriter]::new($tickFile, $false)
$script:tickCount = 0
$cycleRows = [Collections.Generic.List[object]]::new()
$samples = [Collections.Generic.List[object]]::new()
$sendErrors = 0
$sampledAfterError = $false
$lastSendError = $null
$script:k = 0
$script:clock = [Diagnostics.Stopwatch]::StartNew()
$script:emitting = $true
$conn = $null
$gen = 0
$server = $null
$result = [ordered]@{ variant = 'cmdlets buffered default'; cycles = $Cycles; rate = $Rate; tickRate = $TickRate }

# One turn of the script's loop: the emits that are due, then whatever ticks wait in the mailbox.
function Step {
    if ($script:emitting) {
        $due = [long]($script:clock.Elapsed.TotalSeconds * $Rate)
        while ($script:k -lt $due) {
            $state = $conn.State
            $session = $conn.Reconnects + 1
            $buffered = $conn.BufferedEmits
            try {
                Send-SocketIoEvent -Connection $conn -EventName s -Data $script:k
                # Buffered: written on the next session, right after it joins.
                if ($state -ne 'Connected' -or $conn.BufferedEmits -gt $buffered) { $emitWriter.WriteLine("$($script:k),Buffered,$($session + 1),1,$session") }
                else { $emitWriter.WriteLine("$($script:k),Sent,$session,1,$session") }
            }
            catch {
                $emitWriter.WriteLine("$($script:k),Error,0,0,$session")
                $script:sendErrors++
                $script:lastSendError = $_.Exception.Message
            }
            $script:k++
        }
    }
    foreach ($m in @(Receive-SocketIoEvent -Connection $conn -EventName tick -TimeoutSec 0)) {
        $tickWriter.WriteLine("$($m.Arguments[0]),$($m.Arguments[1])")
        $script:tickCount++
    }
}

function Wait-Step([int] $Milliseconds) {
    $until = $script:clock.ElapsedMilliseconds + $Milliseconds
    while ($script:clock.ElapsedMilliseconds -lt $until) { Step; Start-Sleep -Milliseconds 5 }
}

try {
    $server = Start-SoakServer 0 $gen
    $port = $server.Port
    $conn = Connect-SocketIo -Uri "http://127.0.0.1:$port" -ReconnectionDelay 200 -ReconnectionDelayMax 1000 -ReceiveBufferSize 100000
    [Console]::Error.WriteLine("cmdlet restart soak: connected to 127.0.0.1:$port; $Cycles cycles, Send-SocketIoEvent $Rate/s, server stream $TickRate/s")
    $script:clock.Restart()
    for ($c = 0; $c -lt $Cycles; $c++) {
        Wait-Step ($random.Next($UpMs[0], $UpMs[1] + 1))
        if ($c -eq 0) { $samples.Add((Get-ProcSample 'start')) }
        if ($c -eq [math]::Max(1, [int][math]::Floor($Cycles / 10))) { $samples.Add((Get-ProcSample "warm (cycle $c)")) }
        elseif ($c -gt 0 -and $c % 5 -eq 0) { $samples.Add((Get-ProcSample "cycle $c")) }
        if ($script:sendErrors -gt 0 -and -not $sampledAfterError) {
            $samples.Add((Get-ProcSample "after the first send error (cycle $c)"))
            $sampledAfterError = $true
        }
        $reconnectsBefore = $conn.Reconnects
        $killAt = [DateTime]::UtcNow
        $server.Process.Kill()
        $null = $server.Process.WaitForExit(5000)
        # A killed server's Process keeps its redirected stream buffers (~30 KB): drop it, or the harness itself grows.
        $null = $servers.Remove($server.Process)
        $server.Process.Dispose()
        $down = $random.Next($DownMs[0], $DownMs[1] + 1)
        Wait-Step $down
        $gen++
        $startAt = [DateTime]::UtcNow
        $server = Start-SoakServer $port $gen
        $readyAt = [DateTime]::UtcNow
        $deadline = $readyAt.AddSeconds(30)
        while (($conn.Reconnects -le $reconnectsBefore -or $conn.State -ne 'Connected') -and [DateTime]::UtcNow -lt $deadline) { Step; Start-Sleep -Milliseconds 5 }
        $row = [ordered]@{ cycle = $c; downMs = $down; startMs = ($readyAt - $startAt).TotalMilliseconds }
        if ($conn.Reconnects -gt $reconnectsBefore) {
            $connectedAt = $conn.ConnectedAt   # UTC, set when the CONNECT reply arrived
            $row.outageMs = ($connectedAt - $killAt).TotalMilliseconds
            $row.afterReadyMs = ($connectedAt - $readyAt).TotalMilliseconds
        }
        else { $row.reconnectTimeout = $true }
        $cycleRows.Add($row)
        if (($c + 1) % 5 -eq 0) { [Console]::Error.WriteLine("cmdlet cycle $($c + 1)/$Cycles`: reconnects $($conn.Reconnects), emitted $($script:k), ticks $($script:tickCount), state $($conn.State)") }
    }
    Wait-Step $UpMs[1]
    $samples.Add((Get-ProcSample "last (after cycle $Cycles)"))
    $script:emitting = $false
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($conn.BufferedEmits -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Step; Start-Sleep -Milliseconds 10 }
    $stopped = Send-SocketIoEvent -Connection $conn -EventName ticks-stop -Ack -TimeoutSec 10
    Start-Sleep -Milliseconds 500
    Step
    $flushed = Send-SocketIoEvent -Connection $conn -EventName flush -Ack -TimeoutSec 10
    $samples.Add((Get-ProcSample 'end'))

    $emitWriter.Dispose(); $tickWriter.Dispose()
    $record = [ordered]@{
        Emits        = @(Import-Csv $emitFile -Header K, Outcome, Session, Writes, EmitSession | ForEach-Object {
                [ordered]@{ K = [long]$_.K; Outcome = $_.Outcome; Session = [int]$_.Session; Writes = [int]$_.Writes; EmitSession = [int]$_.EmitSession } })
        Ticks        = @(Get-Content $tickFile | ForEach-Object { , [long[]]($_ -split ',') })
        FinalSession = $conn.Reconnects + 1
        StopGen      = [int]$stopped.gen
        StopLast     = [long]$stopped.last
        AtLeastOnce  = $false
    }
    $record | ConvertTo-Json -Depth 5 -Compress | Set-Content -Path $clientFile -Encoding utf8
    $view = Get-SocketIoConnection -Id $conn.Id
    $result.connection = [ordered]@{
        State = "$($view.State)"; Reconnects = $view.Reconnects; EventsSent = $view.EventsSent; EventsReceived = $view.EventsReceived
        EmitsDiscarded = $view.EmitsDiscarded; BufferedEmits = $view.BufferedEmits; UnreadDropped = $view.UnreadDropped; Transport = $view.Transport
    }
    $result.serverReceivedLastGen = $flushed.received
    $result.status = 'ok'
}
catch {
    $result.status = 'error'
    $result.note = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
    [Console]::Error.WriteLine($_.ScriptStackTrace)
}
finally {
    $result.sendErrors = $sendErrors
    $result.lastSendError = $lastSendError
    $result.emitted = $script:k
    $result.cycleDetail = $cycleRows
    $result.samples = $samples
    $result.clientFile = $clientFile
    $result.log = $log
    $emitWriter.Dispose(); $tickWriter.Dispose()
    if ($conn) { try { Disconnect-SocketIo -Connection $conn -Confirm:$false } catch { } }
    foreach ($p in $servers) { try { if (-not $p.HasExited) { $p.Kill() } } catch { } }
    [Console]::Out.WriteLine('RESULT ' + ($result | ConvertTo-Json -Depth 6 -Compress))
}
