<#
.SYNOPSIS
    Runs one benchmark scenario through the SocketIo cmdlets in this (child) pwsh and prints "RESULT {json}".
.DESCRIPTION
    Started by Invoke-Benchmark.ps1 with $PSHOME/pwsh -NoProfile -NonInteractive -File. Same fields and definitions
    as node-client.js and CoreDriver (seconds, rate, p50/p99, cpuSeconds over the measured phase; VmHWM; threads).
    Scenarios:
      import    Import-Module of the laid-out module (every scenario measures it; this one only does that)
      receive   flood through  Receive-SocketIoEvent -Count N | Measure-Object
      register  flood through  Register-SocketIoEvent + a Wait-Event / Remove-Event loop
      baseline  the same loop over a plain .NET event raised from the thread pool (Register-ObjectEvent)
      action    flood through  Register-SocketIoEvent -Action {count++} while the script waits in
                Wait-SocketIoEvent for the server's 'done' (n/a while that cmdlet does not exist); then the CPU
                of -IdleSec s of idle Wait-SocketIoEvent with the subscription still there
      ack       Send-SocketIoEvent -Ack in a loop (round trip per call)
      sink      N prebuilt payloads piped to Send-SocketIoEvent, then one flush with -Ack
      connect   Connect-SocketIo / Disconnect-SocketIo in a loop (time to the connected object)
      probe     prints transport:yes|no (Connect-SocketIo has -Transport) and action:yes|no (Wait-SocketIoEvent exists)
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [ValidateSet('import', 'receive', 'register', 'baseline', 'action', 'ack', 'sink', 'connect', 'probe')] [string] $Scenario,
    [string] $Url,
    [string] $Transport = 'websocket',
    [int] $N = 1000,
    [int] $Warmup = 100,
    [int] $Size = 64,
    [int] $TimeoutSec = 300,
    [int] $IdleSec = 2
)
$ErrorActionPreference = 'Stop'

$importStarted = [Diagnostics.Stopwatch]::GetTimestamp()
Import-Module $ModulePath
$importMs = ([Diagnostics.Stopwatch]::GetTimestamp() - $importStarted) * 1000.0 / [Diagnostics.Stopwatch]::Frequency

$hasTransport = (Get-Command Connect-SocketIo).Parameters.ContainsKey('Transport')
if ($Scenario -eq 'probe') {
    "transport:$(if ($hasTransport) { 'yes' } else { 'no' })"
    "action:$(if (Get-Command Wait-SocketIoEvent -ErrorAction Ignore) { 'yes' } else { 'no' })"
    return
}

$result = [ordered]@{ client = 'pwsh'; scenario = $Scenario; transport = $Transport; n = $N; status = 'ok'; importMs = $importMs }

function Get-NowMs { [Diagnostics.Stopwatch]::GetTimestamp() * 1000.0 / [Diagnostics.Stopwatch]::Frequency }
function Get-CpuSeconds { [Environment]::CpuUsage.TotalTime.TotalSeconds }

function Get-ProcStatus {
    $status = @{}
    foreach ($line in [IO.File]::ReadLines('/proc/self/status')) {
        if ($line -match '^(VmHWM|VmRSS|Threads):\s+(\d+)') { $status[$Matches[1]] = [long]$Matches[2] }
    }
    $status
}

function Start-Phase {
    [pscustomobject]@{
        Started   = [Diagnostics.Stopwatch]::GetTimestamp()
        Cpu       = Get-CpuSeconds
        Allocated = [GC]::GetTotalAllocatedBytes($true)
    }
}

function Complete-Phase($Phase, [long] $Count) {
    $seconds = ([Diagnostics.Stopwatch]::GetTimestamp() - $Phase.Started) / [double][Diagnostics.Stopwatch]::Frequency
    $status = Get-ProcStatus
    $result.count = $Count
    $result.seconds = $seconds
    $result.cpuSeconds = (Get-CpuSeconds) - $Phase.Cpu
    $result.allocBytes = [GC]::GetTotalAllocatedBytes($true) - $Phase.Allocated
    $result.threads = $status.Threads
    $result.rssMB = $status.VmRSS / 1024.0
    $seconds
}

function Set-Latency([double[]] $Values) {
    [Array]::Sort($Values)
    foreach ($p in 50, 99) {
        $rank = [Math]::Min($Values.Length - 1, [Math]::Max(0, [int][Math]::Ceiling($p / 100 * $Values.Length) - 1))
        $result["p$p"] = $Values[$rank]
    }
}

function Connect-Bench([hashtable] $Query, [int] $ReceiveBufferSize = 10000) {
    $connect = @{ Uri = $Url; Query = $Query; ReceiveBufferSize = $ReceiveBufferSize; ConnectionTimeoutSeconds = [Math]::Min(3600, $TimeoutSec) }
    if ($hasTransport) { $connect.Transport = $Transport }
    $c = Connect-SocketIo @connect
    if ($c.Transport -ne $Transport) { throw "connected over $($c.Transport), not $Transport" }
    $c
}

# ~size-byte packets 42["s",{"i":12345,"p":"xxx..."}], the same padding in every client.
$pad = 'x' * [Math]::Max(0, $Size - '42["s",{"i":,"p":""}]'.Length - 5)

function Invoke-Receive([int] $Count, [bool] $Measure) {
    # A mailbox as large as the flood: this row measures the consumer, not the drop-oldest policy.
    $c = Connect-Bench @{ scenario = 'flood'; n = $Count; size = $Size } -ReceiveBufferSize $Count
    $phase = Start-Phase
    Send-SocketIoEvent -Connection $c -EventName start
    $received = (Receive-SocketIoEvent -Connection $c -Count $Count -TimeoutSec $TimeoutSec | Measure-Object).Count
    if ($Measure) {
        $seconds = Complete-Phase $phase $received
        $result.rate = $received / $seconds
        $result.unit = 'ev/s'
        $result.lost = $Count - $received
        $result.dropped = $c.UnreadDropped
    }
    Disconnect-SocketIo -Connection $c
}

function Invoke-EventLoop([string] $SourceIdentifier, [int] $Count) {
    $got = 0
    while ($got -lt $Count) {
        $e = Wait-Event -SourceIdentifier $SourceIdentifier -Timeout 10
        if ($null -eq $e) { break }
        Remove-Event -EventIdentifier $e.EventIdentifier
        $got++
    }
    $got
}

function Invoke-Register([int] $Count, [bool] $Measure) {
    $c = Connect-Bench @{ scenario = 'flood'; n = $Count; size = $Size }
    $sid = "bench-$Count-$Measure"
    $null = Register-SocketIoEvent -Connection $c -EventName e -SourceIdentifier $sid
    $phase = Start-Phase
    Send-SocketIoEvent -Connection $c -EventName start
    $got = Invoke-EventLoop $sid $Count
    if ($Measure) {
        $seconds = Complete-Phase $phase $got
        $result.rate = $got / $seconds
        $result.unit = 'ev/s'
        $result.lost = $Count - $got
        $result.dropped = $c.EventsDropped
    }
    Unregister-Event -SourceIdentifier $sid
    Disconnect-SocketIo -Connection $c
}

function Invoke-Baseline([int] $Count, [bool] $Measure) {
    if (-not ('SocketIoBench.EventSource' -as [type])) {
        Add-Type -TypeDefinition @'
namespace SocketIoBench
{
    public sealed class MessageEventArgs : System.EventArgs
    {
        public MessageEventArgs(object message) { Message = message; }
        public object Message { get; private set; }
    }

    /// <summary>A plain .NET event raised from the thread pool, as fast as it goes.</summary>
    public sealed class EventSource
    {
        public event System.EventHandler<MessageEventArgs> Received;

        public void Start(int count)
        {
            System.Threading.ThreadPool.QueueUserWorkItem(_ =>
            {
                for (int i = 0; i < count; i++)
                {
                    var handler = Received;
                    if (handler != null) handler(this, new MessageEventArgs(i));
                }
            });
        }
    }
}
'@
    }
    $source = [SocketIoBench.EventSource]::new()
    $sid = "baseline-$Count-$Measure"
    $null = Register-ObjectEvent -InputObject $source -EventName Received -SourceIdentifier $sid
    $phase = Start-Phase
    $source.Start($Count)
    $got = Invoke-EventLoop $sid $Count
    if ($Measure) {
        $seconds = Complete-Phase $phase $got
        $result.rate = $got / $seconds
        $result.unit = 'ev/s'
        $result.lost = $Count - $got
    }
    Unregister-Event -SourceIdentifier $sid
}

function Invoke-Action([int] $Count, [bool] $Measure) {
    $c = Connect-Bench @{ scenario = 'flood'; n = $Count; size = $Size }
    $global:SocketIoBenchActions = 0
    $sid = "action-$Count-$Measure"
    $null = Register-SocketIoEvent -Connection $c -EventName e -SourceIdentifier $sid -Action { $global:SocketIoBenchActions++ }
    $phase = Start-Phase
    Send-SocketIoEvent -Connection $c -EventName start
    $null = Wait-SocketIoEvent -Connection $c -EventName done -TimeoutSec $TimeoutSec
    # 'done' can be taken before the last actions ran: let the rest run (-TimeoutSec 0 runs what is queued, then
    # returns), so the time is not rounded up to a whole second.
    $deadline = (Get-NowMs) + 1000.0 * $TimeoutSec
    while ($global:SocketIoBenchActions -lt $Count -and (Get-NowMs) -lt $deadline) {
        $null = Wait-SocketIoEvent -Connection $c -EventName never -TimeoutSec 0
    }
    $got = $global:SocketIoBenchActions
    if ($Measure) {
        $seconds = Complete-Phase $phase $got
        $result.rate = $got / $seconds
        $result.unit = 'ev/s'
        $result.lost = $Count - $got
        $result.dropped = $c.EventsDropped
        # Idle means nothing has happened for a while: the first second after the flood still runs the runtime's
        # background work (tiered JIT recompiling what the flood made hot, GC), which is not the wait's cost.
        $null = Wait-SocketIoEvent -Connection $c -EventName never -TimeoutSec 1
        $idleCpu = Get-CpuSeconds
        $idleStarted = Get-NowMs
        $null = Wait-SocketIoEvent -Connection $c -EventName never -TimeoutSec $IdleSec
        $result.idleCpuPercent = 100 * ((Get-CpuSeconds) - $idleCpu) / (((Get-NowMs) - $idleStarted) / 1000)
        # The yardstick: the same process, same subscription, idle in Start-Sleep (pwsh's own background cost).
        $idleCpu = Get-CpuSeconds
        $idleStarted = Get-NowMs
        Start-Sleep -Seconds $IdleSec
        $result.sleepIdleCpuPercent = 100 * ((Get-CpuSeconds) - $idleCpu) / (((Get-NowMs) - $idleStarted) / 1000)
    }
    Unregister-Event -SourceIdentifier $sid
    Disconnect-SocketIo -Connection $c
}

function Invoke-Ack([int] $Count, [bool] $Measure) {
    $c = Connect-Bench @{ scenario = 'ack' }
    $latencies = [double[]]::new($Count)
    $toMs = 1000.0 / [Diagnostics.Stopwatch]::Frequency
    $phase = Start-Phase
    for ($i = 0; $i -lt $Count; $i++) {
        # Inline timestamps: a script function call around the cmdlet would add its own ~20 us.
        $t0 = [Diagnostics.Stopwatch]::GetTimestamp()
        $null = Send-SocketIoEvent -Connection $c -EventName a -Data ([ordered]@{ i = $i; p = $pad }) -Ack -TimeoutSec $TimeoutSec
        $latencies[$i] = ([Diagnostics.Stopwatch]::GetTimestamp() - $t0) * $toMs
    }
    if ($Measure) {
        $seconds = Complete-Phase $phase $Count
        $result.rate = $Count / $seconds
        $result.unit = 'ev/s'
        Set-Latency $latencies
    }
    Disconnect-SocketIo -Connection $c
}

function Invoke-Sink([int] $Count, [bool] $Measure) {
    $c = Connect-Bench @{ scenario = 'sink' }
    # Built before the clock starts: the row measures the cmdlet, not the script that makes the data.
    $items = [object[]]::new($Count)
    for ($i = 0; $i -lt $Count; $i++) { $items[$i] = [ordered]@{ i = $i; p = $pad } }
    $phase = Start-Phase
    $items | Send-SocketIoEvent -Connection $c -EventName s
    $received = [long](Send-SocketIoEvent -Connection $c -EventName flush -Ack -TimeoutSec $TimeoutSec)
    if ($Measure) {
        $seconds = Complete-Phase $phase $received
        $result.rate = $Count / $seconds
        $result.unit = 'ev/s'
        $result.lost = $Count - $received
    }
    Disconnect-SocketIo -Connection $c
}

function Invoke-Connect([int] $Count, [bool] $Measure) {
    $latencies = [double[]]::new($Count)
    $toMs = 1000.0 / [Diagnostics.Stopwatch]::Frequency
    $phase = Start-Phase
    for ($i = 0; $i -lt $Count; $i++) {
        $t0 = [Diagnostics.Stopwatch]::GetTimestamp()
        $c = Connect-Bench @{ scenario = 'connect' }
        $latencies[$i] = ([Diagnostics.Stopwatch]::GetTimestamp() - $t0) * $toMs
        Disconnect-SocketIo -Connection $c
    }
    if ($Measure) {
        $seconds = Complete-Phase $phase $Count
        $result.rate = $Count / $seconds
        $result.unit = 'conn/s'
        Set-Latency $latencies
    }
}

try {
    if ($Scenario -ne 'baseline' -and $Scenario -ne 'import' -and $Transport -ne 'websocket' -and -not $hasTransport) {
        $result.status = 'n/a'
        $result.note = "core has no $Transport yet"
    }
    elseif ($Scenario -eq 'action' -and -not (Get-Command Wait-SocketIoEvent -ErrorAction Ignore)) {
        $result.status = 'n/a'
        $result.note = 'no wait cmdlet (Wait-SocketIoEvent) yet'
    }
    else {
        $warm = [Math]::Max(1, $Warmup)
        switch ($Scenario) {
            'import' { $result.count = 1 }
            'receive' { Invoke-Receive $warm $false; Invoke-Receive $N $true }
            'register' { Invoke-Register $warm $false; Invoke-Register $N $true }
            'baseline' { Invoke-Baseline $warm $false; Invoke-Baseline $N $true }
            'action' { Invoke-Action $warm $false; Invoke-Action $N $true }
            'ack' { Invoke-Ack $warm $false; Invoke-Ack $N $true }
            'sink' { Invoke-Sink $warm $false; Invoke-Sink $N $true }
            'connect' { Invoke-Connect $warm $false; Invoke-Connect $N $true }
        }
        $result.peakRssMB = (Get-ProcStatus).VmHWM / 1024.0
    }
}
catch {
    $result.status = 'error'
    $result.note = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
}
'RESULT ' + ($result | ConvertTo-Json -Compress)
