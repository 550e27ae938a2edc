<#
.SYNOPSIS
    One slow PowerShell consumer (run by Invoke-SlowConsumer.ps1 in a child pwsh; not meant to be run alone).
.DESCRIPTION
    Connects to soak-server.js, asks it to stream 'ev' {i} at -Rate events/s for -Minutes, and consumes with -WorkMs of
    work per event:
      Receive   Receive-SocketIoEvent | ForEach-Object { work }   (the mailbox: -ReceiveBufferSize, drop-oldest,
                counted in UnreadDropped)
      Register  Register-SocketIoEvent + a Wait-Event / work / Remove-Event loop (PowerShell's event queue, capped
                by the module: EventsDropped)
    Every -SampleSec it samples the process (after a full GC: VmRSS, RssAnon, threads, managed heap) and the
    connection as Get-SocketIoConnection shows it. Prints "RESULT {json}".
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Url,
    [ValidateSet('Receive', 'Register')] [string] $Variant = 'Receive',
    [double] $Minutes = 5,
    [int] $Rate = 5000,
    [int] $WorkMs = 10,
    [ValidateSet('Sleep', 'Spin')] [string] $Work = 'Sleep',
    [int] $SampleSec = 10,
    [int] $ReceiveBufferSize = 10000
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$seconds = [int][math]::Ceiling($Minutes * 60)
$samples = [Collections.Generic.List[object]]::new()
$script:processed = 0
$script:clock = [Diagnostics.Stopwatch]::StartNew()
$script:nextSample = 0
$result = [ordered]@{ variant = $Variant; minutes = $Minutes; rate = $Rate; workMs = $WorkMs; work = $Work; receiveBufferSize = $ReceiveBufferSize }
$conn = $null

function Get-Sample([string] $Label) {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $status = Get-Content /proc/self/status
    $kb = { param($name) [double](($status | Where-Object { $_ -like "${name}:*" }) -split '\s+')[1] }
    $view = Get-SocketIoConnection -Id $conn.Id
    $sample = [ordered]@{
        label          = $Label
        t              = [math]::Round($script:clock.Elapsed.TotalSeconds, 0)
        rssMB          = [math]::Round((& $kb 'VmRSS') / 1024, 1)
        privateMB      = [math]::Round((& $kb 'RssAnon') / 1024, 1)
        threads        = [int](& $kb 'Threads')
        managedMB      = [math]::Round([GC]::GetTotalMemory($false) / 1MB, 1)
        gcCommittedMB  = [math]::Round([GC]::GetGCMemoryInfo().TotalCommittedBytes / 1MB, 1)
        processed      = $script:processed
        EventsReceived = $view.EventsReceived
        Unread         = $view.Unread
        UnreadDropped  = $view.UnreadDropped
        EventsDropped  = $view.EventsDropped
        eventQueue     = $Host.Runspace.Events.ReceivedEvents.Count
        State          = "$($view.State)"
    }
    [GC]::Collect(2, [GCCollectionMode]::Aggressive, $true, $true)
    $sample.privateAggressiveMB = [math]::Round([double]((Get-Content /proc/self/status | Where-Object { $_ -like 'RssAnon:*' }) -split '\s+')[1] / 1024, 1)
    $sample
}

function Invoke-Work {
    if ($Work -eq 'Sleep') { [Threading.Thread]::Sleep($WorkMs); return }
    $sw = [Diagnostics.Stopwatch]::StartNew()
    while ($sw.ElapsedMilliseconds -lt $WorkMs) { }
}

function Test-Sample {
    if ($script:clock.ElapsedMilliseconds -ge $script:nextSample) {
        $s = Get-Sample "t+$([math]::Round($script:clock.Elapsed.TotalSeconds))s"
        $samples.Add($s)
        [Console]::Error.WriteLine("slow consumer ($Variant) t=$($s.t)s: RSS $($s.rssMB) MB (private $($s.privateMB)), threads $($s.threads), received $($s.EventsReceived), processed $($s.processed), unread $($s.Unread), UnreadDropped $($s.UnreadDropped), EventsDropped $($s.EventsDropped), queue $($s.eventQueue)")
        $script:nextSample += $SampleSec * 1000
    }
}

try {
    $conn = Connect-SocketIo -Uri $Url -ReceiveBufferSize $ReceiveBufferSize
    if ($Variant -eq 'Register') { $null = Register-SocketIoEvent -Connection $conn -EventName ev -SourceIdentifier soak.ev }
    $samples.Add((Get-Sample 'start'))
    $script:nextSample = $SampleSec * 1000
    $script:clock.Restart()
    $null = Send-SocketIoEvent -Connection $conn -EventName stream -ArgumentList $Rate, $seconds, 'ev' -Ack -TimeoutSec 10
    $endMs = ($seconds + 1) * 1000
    if ($Variant -eq 'Receive') {
        # -TimeoutSec bounds the whole call, also behind a slow consumer: what was taken but not written goes back.
        Receive-SocketIoEvent -Connection $conn -EventName ev -TimeoutSec ($seconds + 1) | ForEach-Object {
            Invoke-Work
            $script:processed++
            Test-Sample
        }
    }
    else {
        while ($script:clock.ElapsedMilliseconds -lt $endMs) {
            $e = Wait-Event -SourceIdentifier soak.ev -Timeout 1
            if ($e) {
                Invoke-Work
                Remove-Event -EventIdentifier $e.EventIdentifier
                $script:processed++
            }
            Test-Sample
        }
    }
    $result.consumeSeconds = [math]::Round($script:clock.Elapsed.TotalSeconds, 1)
    $streamEnd = Receive-SocketIoEvent -Connection $conn -EventName stream-end -Count 1 -TimeoutSec 5
    $result.serverSent = $(if ($streamEnd) { $streamEnd.Data.sent } else { $null })
    $end = Get-Sample 'end'
    $samples.Add($end)
    if ($Variant -eq 'Register') {
        Unregister-Event -SourceIdentifier soak.ev
        $result.eventQueueAtEnd = @(Get-Event -SourceIdentifier soak.ev -ErrorAction SilentlyContinue).Count
        Remove-Event -SourceIdentifier soak.ev -ErrorAction SilentlyContinue
    }
    # What a user sees: the connection's counters (the default table view, and the drop counters by name).
    $view = Get-SocketIoConnection -Id $conn.Id
    $result.table = ($view | Format-Table | Out-String -Width 200).Trim()
    $result.counters = ($view | Select-Object Id, State, EventsReceived, Unread, UnreadDropped, EventsDropped | Format-List | Out-String -Width 200).Trim()
    $result.processed = $script:processed
    $result.eventsReceived = $view.EventsReceived
    $result.unread = $view.Unread
    $result.unreadDropped = $view.UnreadDropped
    $result.eventsDropped = $view.EventsDropped
    $result.status = 'ok'
}
catch {
    $result.status = 'error'
    $result.note = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
    [Console]::Error.WriteLine($_.ScriptStackTrace)
}
finally {
    $result.samples = $samples
    if ($conn) { try { Disconnect-SocketIo -Connection $conn -Confirm:$false } catch { } }
    [Console]::Out.WriteLine('RESULT ' + ($result | ConvertTo-Json -Depth 5 -Compress))
}
