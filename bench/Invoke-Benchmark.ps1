<#
.SYNOPSIS
    Benchmarks the SocketIo core and cmdlets against node socket.io-client 4.8.4, side by side, and prints a markdown
    table plus the goals of issue 6 with their verdicts.
.DESCRIPTION
    One command:  dotnet pwsh ./bench/Invoke-Benchmark.ps1 [-Quick]
    It builds what it needs (build.ps1 Layout for the module, bench/CoreDriver in Release), starts a fresh
    tests/servers/bench-server.js per measurement, runs each client in its own process (node, the core driver, a child
    pwsh with the laid-out module), and prints the medians over -Runs runs. Clients are interleaved within a run, so
    the machine's noise hits them alike. See bench/README.md for what each row and column means.
.PARAMETER Quick
    A smoke run: one run, tiny sizes, websocket only unless -Transport is given; finishes in under a minute once built.
.PARAMETER Runs
    Runs per measurement; the table shows medians (and the range of the rate). Default 3 (1 with -Quick).
.PARAMETER Transport
    Transports to measure: websocket, polling (default both; -Quick: websocket). Rows a client cannot do yet say n/a.
.PARAMETER Client
    Clients to measure: node, core, pwsh.
.PARAMETER Scenario
    Rows to run (default all): flood, paced, receive, register, baseline, action, ack, sink, binary, connect, many, import.
.PARAMETER SourceRoot
    The source tree whose core and module are measured (default: this repository). It must build; its
    build.ps1 Layout makes the module in <SourceRoot>/out/SocketIo. Use it to measure a snapshot
    (e.g. `git archive HEAD | tar -x -C /tmp/snap`) while the working tree is being edited.
.PARAMETER NoBuild
    Use the module and driver as last built.
.PARAMETER OutDirectory
    Where the markdown and the raw JSON results are saved (default: out/bench under this repository).
.PARAMETER FromJson
    Do not run anything: print the table again from the raw results a previous run saved (out/bench/bench-*.json;
    pass -Quick if that run was quick).
.PARAMETER Description
    A line for the table's header, e.g. which commit a -SourceRoot snapshot was taken from.
.EXAMPLE
    dotnet pwsh ./bench/Invoke-Benchmark.ps1 -Quick
.EXAMPLE
    dotnet pwsh ./bench/Invoke-Benchmark.ps1 -Transport websocket -Client node, core -Scenario flood, ack
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [ValidateRange(1, 99)] [int] $Runs = 0,
    [string[]] $Transport = @('websocket', 'polling'),
    [string[]] $Client = @('node', 'core', 'pwsh'),
    [string[]] $Scenario,
    [string] $SourceRoot,
    [switch] $NoBuild,
    [string] $OutDirectory,
    [string] $Description,
    [string] $FromJson
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# Lists may come as one comma-separated string (pwsh -File, the `dotnet pwsh` shim).
function Split-List([string[]] $Value, [string] $Name, [string[]] $Allowed) {
    $items = @($Value | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    foreach ($item in $items) { if ($Allowed -notcontains $item) { throw "-$Name '$item' is not one of: $($Allowed -join ', ')." } }
    , $items
}
if ($Quick -and -not $PSBoundParameters.ContainsKey('Transport')) { $Transport = @('websocket') } # keeps -Quick under a minute
$Transport = Split-List $Transport 'Transport' @('websocket', 'polling')
$Client = Split-List $Client 'Client' @('node', 'core', 'pwsh')
if ($Scenario) {
    $Scenario = Split-List $Scenario 'Scenario' @('flood', 'paced', 'receive', 'register', 'baseline', 'action', 'ack', 'sink', 'binary', 'connect', 'many', 'import')
}

$BenchDir = $PSScriptRoot
$RepoRoot = Split-Path $BenchDir -Parent
$ServersDir = Join-Path $RepoRoot 'tests/servers'
if (-not $SourceRoot) { $SourceRoot = $RepoRoot }
$SourceRoot = (Resolve-Path $SourceRoot).Path
$ModulePath = Join-Path $SourceRoot 'out/SocketIo'
$DriverDll = Join-Path $BenchDir 'CoreDriver/bin/Release/net10.0/CoreDriver.dll'
$Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
if (-not $OutDirectory) { $OutDirectory = Join-Path $RepoRoot 'out/bench' }
if ($Runs -eq 0) { $Runs = $Quick ? 1 : 3 }
$started = [Diagnostics.Stopwatch]::StartNew()
function Get-LoadAverage { if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg -Raw) -split ' ')[0..2] -join ' ' } else { 'n/a' } }
$loadBefore = Get-LoadAverage

Import-Module (Join-Path $ServersDir 'NodeServer.psm1') -Force

# ---- sizes ----
# Full sizes keep the whole run (3 runs, both transports, all clients) under ~10 minutes on a 2-core machine.
$S = if ($Quick) {
    @{
        Flood = 3000; FloodWarm = 300; Paced = 1000; PacedRate = 20000; PacedWarm = 200
        Receive = 3000; ReceiveWarm = 300; Register = 1000; RegisterWarm = 100; Action = 500
        Ack = 300; AckWarm = 50; PollingAck = 100; PwshAck = 100; PwshAckWarm = 20
        Sink = 3000; SinkWarm = 300; PwshSink = 1000; PollingPwshSink = 500; PwshSinkWarm = 100
        Binary = 20; BinaryWarm = 3; PollingBinary = 10; Connect = 20; ConnectWarm = 3; PwshConnect = 10; PwshConnectWarm = 2
        Many = 100; IdleMs = 300; IdleSec = 1; TimeoutSec = 30
    }
}
else {
    @{
        Flood = 300000; FloodWarm = 30000; Paced = 20000; PacedRate = 20000; PacedWarm = 2000
        Receive = 300000; ReceiveWarm = 30000; Register = 40000; RegisterWarm = 20000; Action = 5000
        Ack = 10000; AckWarm = 1000; PollingAck = 2000; PwshAck = 10000; PwshAckWarm = 20000
        Sink = 100000; SinkWarm = 5000; PwshSink = 20000; PollingPwshSink = 5000; PwshSinkWarm = 1000
        Binary = 1000; BinaryWarm = 20; PollingBinary = 100; Connect = 200; ConnectWarm = 20; PwshConnect = 100; PwshConnectWarm = 10
        Many = 1000; IdleMs = 2000; IdleSec = 2; TimeoutSec = 120
    }
}

# ---- rows: what is measured, by whom ----
$releaseClient = 'core + ReleaseAttachments'
$lohClient = 'core, host sets DOTNET_GCLOHThreshold=0x300000'
# Kind: node | core | pwsh. Args go to the client (PollingArgs instead over polling: an ack round trip over polling
# takes milliseconds, 1 MiB binary goes as base64); AnyTransport rows run once per run, without a server.
$AllRows = @(
    @{ Id = 'flood'; Label = 'flood'; Client = 'node'; Kind = 'node'; Args = @('--scenario', 'flood', '--n', $S.Flood, '--warmup', $S.FloodWarm) }
    @{ Id = 'flood'; Label = 'flood'; Client = 'core'; Kind = 'core'; Args = @('--scenario', 'flood', '--n', $S.Flood, '--warmup', $S.FloodWarm) }
    @{ Id = 'receive'; Label = 'flood'; Client = 'pwsh Receive-SocketIoEvent | Measure-Object'; Kind = 'pwsh'; Args = @('-Scenario', 'receive', '-N', $S.Receive, '-Warmup', $S.ReceiveWarm) }
    @{ Id = 'paced'; Label = "flood paced $($S.PacedRate / 1000)k/s"; Client = 'node'; Kind = 'node'; Args = @('--scenario', 'flood', '--n', $S.Paced, '--rate', $S.PacedRate, '--warmup', $S.PacedWarm) }
    @{ Id = 'paced'; Label = "flood paced $($S.PacedRate / 1000)k/s"; Client = 'core'; Kind = 'core'; Args = @('--scenario', 'flood', '--n', $S.Paced, '--rate', $S.PacedRate, '--warmup', $S.PacedWarm) }
    @{ Id = 'register'; Label = 'flood'; Client = 'pwsh Register-SocketIoEvent + Wait-Event loop'; Kind = 'pwsh'; Args = @('-Scenario', 'register', '-N', $S.Register, '-Warmup', $S.RegisterWarm) }
    @{ Id = 'baseline'; Label = 'plain .NET event'; Client = 'pwsh Register-ObjectEvent + Wait-Event loop'; Kind = 'pwsh'; AnyTransport = $true; Args = @('-Scenario', 'baseline', '-N', $S.Register, '-Warmup', $S.RegisterWarm) }
    @{ Id = 'action'; Label = 'flood'; Client = 'pwsh Register-SocketIoEvent -Action + Wait-SocketIoEvent'; Kind = 'pwsh'; Args = @('-Scenario', 'action', '-N', $S.Action, '-Warmup', $S.RegisterWarm, '-IdleSec', $S.IdleSec) }
    @{ Id = 'ack'; Label = 'ack'; Client = 'node'; Kind = 'node'; Args = @('--scenario', 'ack', '--n', $S.Ack, '--warmup', $S.AckWarm); PollingArgs = @('--scenario', 'ack', '--n', $S.PollingAck, '--warmup', $S.AckWarm) }
    @{ Id = 'ack'; Label = 'ack'; Client = 'core'; Kind = 'core'; Args = @('--scenario', 'ack', '--n', $S.Ack, '--warmup', $S.AckWarm); PollingArgs = @('--scenario', 'ack', '--n', $S.PollingAck, '--warmup', $S.AckWarm) }
    @{ Id = 'ack'; Label = 'ack'; Client = 'pwsh Send-SocketIoEvent -Ack loop'; Kind = 'pwsh'; Args = @('-Scenario', 'ack', '-N', $S.PwshAck, '-Warmup', $S.PwshAckWarm) }
    @{ Id = 'sink'; Label = 'sink'; Client = 'node'; Kind = 'node'; Args = @('--scenario', 'sink', '--n', $S.Sink, '--warmup', $S.SinkWarm) }
    @{ Id = 'sink'; Label = 'sink'; Client = 'core'; Kind = 'core'; Args = @('--scenario', 'sink', '--n', $S.Sink, '--warmup', $S.SinkWarm) }
    @{ Id = 'sink'; Label = 'sink'; Client = 'pwsh $items | Send-SocketIoEvent'; Kind = 'pwsh'; Args = @('-Scenario', 'sink', '-N', $S.PwshSink, '-Warmup', $S.PwshSinkWarm); PollingArgs = @('-Scenario', 'sink', '-N', $S.PollingPwshSink, '-Warmup', $S.PwshSinkWarm) }
    @{ Id = 'binary'; Label = 'binary 1 MiB'; Client = 'node'; Kind = 'node'; Args = @('--scenario', 'binary', '--n', $S.Binary, '--warmup', $S.BinaryWarm); PollingArgs = @('--scenario', 'binary', '--n', $S.PollingBinary, '--warmup', $S.BinaryWarm) }
    @{ Id = 'binary'; Label = 'binary 1 MiB'; Client = 'core'; Kind = 'core'; Args = @('--scenario', 'binary', '--n', $S.Binary, '--warmup', $S.BinaryWarm); PollingArgs = @('--scenario', 'binary', '--n', $S.PollingBinary, '--warmup', $S.BinaryWarm) }
    # The same handler, which then gives each buffer back (IncomingEvent.ReleaseAttachments): what a core user who does
    # not keep the payload can do, so the client reads the next one into it instead of a new large-object-heap array.
    @{ Id = 'binary'; Label = 'binary 1 MiB'; Client = $releaseClient; Kind = 'core'; Args = @('--scenario', 'binary', '--n', $S.Binary, '--warmup', $S.BinaryWarm, '--release-attachments', 'yes'); PollingArgs = @('--scenario', 'binary', '--n', $S.PollingBinary, '--warmup', $S.BinaryWarm, '--release-attachments', 'yes') }
    # The plain handler in a host that raised the GC's large object threshold (bench/README: "Binary and the large object heap").
    @{ Id = 'binary'; Label = 'binary 1 MiB'; Client = $lohClient; Kind = 'core'; Env = @{ DOTNET_GCLOHThreshold = '0x300000' }; Args = @('--scenario', 'binary', '--n', $S.Binary, '--warmup', $S.BinaryWarm); PollingArgs = @('--scenario', 'binary', '--n', $S.PollingBinary, '--warmup', $S.BinaryWarm) }
    @{ Id = 'connect'; Label = 'connect'; Client = 'node'; Kind = 'node'; Args = @('--scenario', 'connect', '--n', $S.Connect, '--warmup', $S.ConnectWarm) }
    @{ Id = 'connect'; Label = 'connect'; Client = 'core'; Kind = 'core'; Args = @('--scenario', 'connect', '--n', $S.Connect, '--warmup', $S.ConnectWarm) }
    @{ Id = 'connect'; Label = 'connect'; Client = 'pwsh Connect-/Disconnect-SocketIo loop'; Kind = 'pwsh'; Args = @('-Scenario', 'connect', '-N', $S.PwshConnect, '-Warmup', $S.PwshConnectWarm) }
    @{ Id = 'many'; Label = "many ($($S.Many) idle)"; Client = 'node'; Kind = 'node'; Args = @('--scenario', 'many', '--n', $S.Many, '--idle-ms', $S.IdleMs) }
    @{ Id = 'many'; Label = "many ($($S.Many) idle)"; Client = 'core'; Kind = 'core'; Args = @('--scenario', 'many', '--n', $S.Many, '--idle-ms', $S.IdleMs) }
    @{ Id = 'import'; Label = 'Import-Module (warm)'; Client = 'pwsh'; Kind = 'pwsh'; AnyTransport = $true; Args = @('-Scenario', 'import') }
)
$Rows = @($AllRows | Where-Object { $Client -contains $_.Kind -and (-not $Scenario -or $Scenario -contains $_.Id) })
if ($Rows.Count -eq 0) { throw 'Nothing to run: no row matches -Client and -Scenario.' }

# ---- build ----
function Invoke-Native([string] $FilePath, [string[]] $ArgumentList, [string] $WorkingDirectory = $RepoRoot) {
    Push-Location $WorkingDirectory
    try {
        & $FilePath @ArgumentList
        if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
    }
    finally { Pop-Location }
}

if ($FromJson) { $NoBuild = $true }
if (-not $FromJson -and -not (Test-Path (Join-Path $ServersDir 'node_modules/socket.io-client'))) {
    Write-Host '== npm ci (tests/servers)' -ForegroundColor Cyan
    Invoke-Native npm @('ci', '--no-audit', '--no-fund') -WorkingDirectory $ServersDir
}
if (-not $NoBuild) {
    if ($Client -contains 'pwsh') {
        Write-Host "== Layout of the module ($SourceRoot)" -ForegroundColor Cyan
        Invoke-Native $Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $SourceRoot 'build.ps1'), '-Task', 'Layout') -WorkingDirectory $SourceRoot
    }
    if ($Client -contains 'core') {
        Write-Host '== Build bench/CoreDriver (Release)' -ForegroundColor Cyan
        Invoke-Native dotnet @('build', (Join-Path $BenchDir 'CoreDriver/CoreDriver.csproj'), '-c', 'Release', '--nologo', '-v', 'quiet',
            "-p:SocketIoRoot=$SourceRoot/")
    }
}
if (-not $FromJson -and $Client -contains 'pwsh' -and -not (Test-Path (Join-Path $ModulePath 'SocketIo.psd1'))) { throw "No laid-out module in $ModulePath." }
if (-not $FromJson -and $Client -contains 'core' -and -not (Test-Path $DriverDll)) { throw "No driver at $DriverDll." }

# ---- running one client ----
function Invoke-Client {
    param([string] $Kind, [object[]] $Arguments, [string] $Url, [string] $TransportName, [int] $TimeoutSec, [hashtable] $Environment)
    $info = [Diagnostics.ProcessStartInfo]::new()
    if ($Environment) { foreach ($name in $Environment.Keys) { $info.Environment[$name] = $Environment[$name] } }
    $list = [Collections.Generic.List[string]]::new()
    switch ($Kind) {
        'node' {
            $info.FileName = 'node'
            $list.AddRange([string[]]@('--expose-gc', (Join-Path $BenchDir 'node-client.js')))
            $list.AddRange([string[]]@('--url', $Url, '--transport', $TransportName, '--timeout-sec', $TimeoutSec))
        }
        'core' {
            $info.FileName = 'dotnet'
            $list.Add($DriverDll)
            $list.AddRange([string[]]@('--url', $Url, '--transport', $TransportName, '--timeout-sec', $TimeoutSec))
        }
        'pwsh' {
            $info.FileName = $Pwsh
            $list.AddRange([string[]]@('-NoProfile', '-NonInteractive', '-File', (Join-Path $BenchDir 'pwsh-client.ps1'), '-ModulePath', $ModulePath,
                    '-Transport', $TransportName, '-TimeoutSec', $TimeoutSec))
            if ($Url) { $list.AddRange([string[]]@('-Url', $Url)) }
            $info.Environment['NO_COLOR'] = '1'
        }
    }
    foreach ($a in $Arguments) { $list.Add([string]$a) }
    foreach ($a in $list) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $process = [Diagnostics.Process]::Start($info)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(($TimeoutSec + 30) * 1000)) {
            $process.Kill($true)
            $null = $process.WaitForExit(5000)
            return [pscustomobject]@{ status = 'error'; note = "killed after $($TimeoutSec + 30) s" }
        }
        $process.WaitForExit()
        $line = $stdout.Result -split "`n" | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1
        if (-not $line) {
            $err = ($stderr.Result + $stdout.Result).Trim() -split "`n" | Select-Object -Last 3
            return [pscustomobject]@{ status = 'error'; note = "exit code $($process.ExitCode), no result: $($err -join ' / ')" }
        }
        $line.Substring(7) | ConvertFrom-Json
    }
    finally { $process.Dispose() }
}

# What the clients can do today: the core driver and the module are asked (polling; the -Action wait cmdlet).
$support = @{ 'node/websocket' = $true; 'node/polling' = $true; 'core/websocket' = $true; 'pwsh/websocket' = $true; 'pwsh/action' = $false }
if (-not $FromJson -and $Rows.Kind -contains 'core' -and $Transport -contains 'polling') {
    $support['core/polling'] = (& dotnet $DriverDll --probe-transport polling | Select-Object -Last 1) -eq 'yes'
}
if (-not $FromJson -and $Rows.Kind -contains 'pwsh') {
    $probe = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $BenchDir 'pwsh-client.ps1') -ModulePath $ModulePath -Scenario probe
    $support['pwsh/polling'] = $probe -contains 'transport:yes'
    $support['pwsh/action'] = $probe -contains 'action:yes'
}

# ---- the runs ----
$results = [Collections.Generic.List[object]]::new()
$meta = $null
if ($FromJson) {
    $saved = Get-Content $FromJson -Raw | ConvertFrom-Json
    $meta = $saved.meta
    foreach ($r in $saved.results) { $results.Add($r) }
    $Runs = [int]($results | Measure-Object -Property run -Maximum).Maximum
}
# "Warm" import: the import row runs last in each run, after other pwsh children loaded the same files; alone, it
# gets one unmeasured import first.
if (-not $FromJson -and $Rows.Id -contains 'import' -and @($Rows | Where-Object Kind -EQ 'pwsh').Count -eq 1) {
    $null = Invoke-Client -Kind pwsh -Arguments @('-Scenario', 'import') -TransportName websocket -TimeoutSec 60
}
for ($run = 1; $run -le $Runs -and -not $FromJson; $run++) {
    foreach ($t in $Transport) {
        foreach ($row in $Rows) {
            $any = $row.ContainsKey('AnyTransport')
            if ($any -and $t -ne $Transport[0]) { continue }
            $rowTransport = $any ? '-' : $t
            $key = "$($row.Id)|$rowTransport|$($row.Client)"
            if (-not $any -and -not $support["$($row.Kind)/$t"]) {
                $r = [pscustomobject]@{ status = 'n/a'; note = "core has no $t yet" }
            }
            elseif ($row.Id -eq 'action' -and -not $support['pwsh/action']) {
                $r = [pscustomobject]@{ status = 'n/a'; note = 'no wait cmdlet (Wait-SocketIoEvent) yet' }
            }
            else {
                $server = $null
                try {
                    $url = $null
                    if (-not $any) {
                        $server = Start-NodeServer -Script 'bench-server.js'
                        $url = $server.Uri
                    }
                    $arguments = ($t -eq 'polling' -and $row.ContainsKey('PollingArgs')) ? $row.PollingArgs : $row.Args
                    $r = Invoke-Client -Kind $row.Kind -Arguments $arguments -Url $url -TransportName ($any ? 'websocket' : $t) -TimeoutSec $S.TimeoutSec -Environment ($row.ContainsKey('Env') ? $row.Env : $null)
                }
                finally { if ($server) { Stop-NodeServer $server } }
            }
            $r | Add-Member -NotePropertyName key -NotePropertyValue $key -Force
            $r | Add-Member -NotePropertyName run -NotePropertyValue $run -Force
            $results.Add($r)
            $summary = if ($r.status -ne 'ok') { "$($r.status) $(if ($r.PSObject.Properties['note']) { $r.note })" }
            elseif ($r.PSObject.Properties['rate']) { '{0:N1} {1}' -f $r.rate, $r.unit }
            elseif ($row.Id -eq 'import') { '{0:N0} ms' -f $r.importMs }
            else { 'ok' }
            Write-Host ('[run {0}/{1} {2,6:N0}s] {3,-22} {4,-9} {5,-58} {6}' -f $run, $Runs, $started.Elapsed.TotalSeconds, $row.Label, $rowTransport, $row.Client, $summary)
        }
    }
}

# ---- aggregation ----
function Get-Median([double[]] $Values) {
    if (-not $Values -or $Values.Count -eq 0) { return $null }
    $sorted = @($Values | Sort-Object)
    $mid = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { return [double]$sorted[$mid] }
    return ([double]$sorted[$mid - 1] + [double]$sorted[$mid]) / 2
}

function Get-Prop($Object, [string] $Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($p) { $p.Value } else { $null }
}

# Per-run derived figures, so the medians are medians of the same definition.
function Get-Derived($r, [string] $Id) {
    $d = @{}
    foreach ($name in 'rate', 'p50', 'p99', 'peakRssMB', 'threads', 'memPerConnKB', 'memPerConnAggressiveKB', 'managedPerConnKB', 'importMs', 'connectSeconds', 'idleCpuPercent', 'sleepIdleCpuPercent', 'lost', 'dropped', 'maxQueued', 'inProcP50') {
        $v = Get-Prop $r $name
        if ($null -ne $v) { $d[$name] = [double]$v }
    }
    $count = [double](Get-Prop $r 'count')
    $cpu = Get-Prop $r 'cpuSeconds'
    $alloc = Get-Prop $r 'allocBytes'
    $bytes = Get-Prop $r 'bytes'
    if ($null -ne $cpu -and $count -gt 0) {
        switch ($Id) {
            'binary' { $d.cpu = [double]$cpu / ([double]$bytes / 1e9); $d.cpuUnit = 's/GB' }
            { $_ -in 'connect', 'many' } { $d.cpu = 1000 * [double]$cpu / $count; $d.cpuUnit = 'ms/conn' }
            default { $d.cpu = 1e5 * [double]$cpu / $count; $d.cpuUnit = 's/100k' }
        }
    }
    if ($null -ne $alloc -and $count -gt 0 -and $Id -ne 'many') {
        $d.alloc = [double]$alloc / $count
        if ($Id -eq 'binary' -and $bytes) { $d.copies = [double]$alloc / [double]$bytes }
    }
    $d
}

$table = [Collections.Generic.List[object]]::new()
foreach ($row in $Rows) {
    foreach ($t in $Transport) {
        $any = $row.ContainsKey('AnyTransport')
        if ($any -and $t -ne $Transport[0]) { continue }
        $rowTransport = $any ? '-' : $t
        $key = "$($row.Id)|$rowTransport|$($row.Client)"
        $all = @($results | Where-Object key -EQ $key)
        $ok = @($all | Where-Object status -EQ 'ok')
        $entry = [ordered]@{ Id = $row.Id; Label = $row.Label; Transport = $rowTransport; Client = $row.Client; Status = 'ok'; Note = $null; Runs = $ok.Count }
        if ($ok.Count -eq 0) {
            $first = $all | Select-Object -First 1
            $entry.Status = $first ? $first.status : 'missing'
            $entry.Note = $first ? (Get-Prop $first 'note') : $null
        }
        else {
            $derived = @($ok | ForEach-Object { Get-Derived $_ $row.Id })
            foreach ($name in @($derived | ForEach-Object { $_.Keys } | Sort-Object -Unique)) {
                if ($name -eq 'cpuUnit') { $entry.cpuUnit = $derived[0].cpuUnit; continue }
                $values = @($derived | Where-Object { $_.ContainsKey($name) } | ForEach-Object { $_[$name] })
                $entry[$name] = Get-Median $values
                if ($name -eq 'rate') { $entry.rateMin = ($values | Measure-Object -Minimum).Minimum; $entry.rateMax = ($values | Measure-Object -Maximum).Maximum }
            }
            if ($ok.Count -lt $all.Count) { $entry.Note = "$($all.Count - $ok.Count) of $($all.Count) runs failed: $(Get-Prop ($all | Where-Object status -NE 'ok' | Select-Object -First 1) 'note')" }
        }
        $table.Add([pscustomobject]$entry)
    }
}

# ---- formatting ----
function Format-Number($Value, [int] $Digits = 2) {
    if ($null -eq $Value) { return '' }
    $v = [double]$Value
    $abs = [Math]::Abs($v)
    if ($abs -ge 1e6) { return ('{0:0.##}M' -f ($v / 1e6)) }
    if ($abs -ge 1e4) { return ('{0:0.#}k' -f ($v / 1e3)) }
    if ($abs -ge 100) { return ('{0:0}' -f $v) }
    if ($abs -ge 10) { return ('{0:0.#}' -f $v) }
    return $v.ToString("0.$('#' * $Digits)", [Globalization.CultureInfo]::InvariantCulture)
}

function Format-Bytes($Value) {
    if ($null -eq $Value) { return '' }
    $v = [double]$Value
    if ($v -ge 1MB) { return ('{0:0.##} MiB' -f ($v / 1MB)) }
    if ($v -ge 10KB) { return ('{0:0.#} KiB' -f ($v / 1KB)) }
    return ('{0:0} B' -f $v)
}

function Format-Cell([string] $Text) { $Text -replace '\|', '\|' }

function Get-Cell($e, [string] $Name) { $p = $e.PSObject.Properties[$Name]; if ($p) { $p.Value } else { $null } }

$units = @{ flood = 'ev/s'; receive = 'ev/s'; paced = 'ev/s'; register = 'ev/s'; baseline = 'ev/s'; action = 'ev/s'; ack = 'ev/s'; sink = 'ev/s'; binary = 'MB/s'; connect = 'conn/s'; many = 'conn/s'; import = '' }
$lines = [Collections.Generic.List[string]]::new()
$lines.Add('| scenario | transport | client | rate | p50 ms | p99 ms | client CPU | alloc/event | peak RSS MB | threads | notes |')
$lines.Add('|---|---|---|---|---|---|---|---|---|---|---|')
foreach ($e in $table) {
    if ($e.Status -ne 'ok') {
        $lines.Add("| $($e.Label) | $($e.Transport) | $(Format-Cell $e.Client) | $($e.Status)$(if ($e.Note) { " ($($e.Note))" }) | | | | | | | |")
        continue
    }
    $rate = ''
    if ($null -ne (Get-Cell $e 'rate')) {
        $rate = "$(Format-Number $e.rate) $($units[$e.Id])"
        if ($e.Runs -gt 1) { $rate += " ($(Format-Number $e.rateMin)-$(Format-Number $e.rateMax))" }
    }
    $cpu = if ($null -ne (Get-Cell $e 'cpu')) { "$(Format-Number $e.cpu) $($e.cpuUnit)" } else { '' }
    $alloc = if ($null -ne (Get-Cell $e 'alloc')) { Format-Bytes $e.alloc } else { '' }
    $notes = [Collections.Generic.List[string]]::new()
    if ($null -ne (Get-Cell $e 'copies')) { $notes.Add(('alloc = {0:0.00}x payload' -f $e.copies)) }
    if ($null -ne (Get-Cell $e 'memPerConnKB')) { $notes.Add(('{0:0.0} KB RSS/conn, all up in {1:0.00} s' -f $e.memPerConnKB, $e.connectSeconds)) }
    if ($null -ne (Get-Cell $e 'memPerConnAggressiveKB')) { $notes.Add(('{0:0.0} KB RSS/conn after an aggressive GC ({1:0.0} KB managed)' -f $e.memPerConnAggressiveKB, $e.managedPerConnKB)) }
    if ($e.Id -eq 'import') { $rate = ('{0:0} ms' -f $e.importMs) }
    if ($null -ne (Get-Cell $e 'maxQueued')) { $notes.Add("dispatch queue up to $(Format-Number $e.maxQueued)") }
    if ($null -ne (Get-Cell $e 'inProcP50')) { $notes.Add("read->handler p50 $(Format-Number $e.inProcP50 3) ms") }
    if ($null -ne (Get-Cell $e 'idleCpuPercent')) { $notes.Add(('idle CPU {0:0.0} %' -f $e.idleCpuPercent)) }
    if ($null -ne (Get-Cell $e 'sleepIdleCpuPercent')) { $notes.Add(('in Start-Sleep {0:0.0} %' -f $e.sleepIdleCpuPercent)) }
    if ((Get-Cell $e 'lost') -gt 0) { $notes.Add("lost $(Format-Number $e.lost)") }
    if ((Get-Cell $e 'dropped') -gt 0) { $notes.Add("dropped $(Format-Number $e.dropped)") }
    if ($e.Note) { $notes.Add($e.Note) }
    $lines.Add("| $($e.Label) | $($e.Transport) | $(Format-Cell $e.Client) | $rate | $(Format-Number (Get-Cell $e 'p50') 3) | $(Format-Number (Get-Cell $e 'p99') 3) | $cpu | $alloc | $(Format-Number (Get-Cell $e 'peakRssMB') 0) | $(Format-Number (Get-Cell $e 'threads') 0) | $($notes -join '; ') |")
}

# ---- goals (issue 6), websocket rows ----
# Ratios are taken per run (the two rows of one run ran back to back) and the verdict uses their median; the range
# over runs is shown, and a verdict whose threshold lies inside that range is marked "borderline".
$perRun = @{}
foreach ($r in $results) {
    if ($r.status -ne 'ok') { continue }
    $id = ($r.key -split '\|')[0]
    if (-not $perRun.ContainsKey($r.key)) { $perRun[$r.key] = @{} }
    $perRun[$r.key][[int]$r.run] = Get-Derived $r $id
}
function Get-RunValues([string] $Id, [string] $ClientName, [string] $Metric, [string] $TransportName = 'websocket') {
    $values = @{}
    $runs = $perRun["$Id|$TransportName|$ClientName"]
    if ($runs) { foreach ($run in $runs.Keys) { if ($runs[$run].ContainsKey($Metric)) { $values[$run] = [double]$runs[$run][$Metric] } } }
    $values
}
function Get-Stats([hashtable] $Values) {
    if ($Values.Count -eq 0) { return $null }
    $list = [double[]]@($Values.Values)
    [pscustomobject]@{ Median = (Get-Median $list); Min = ($list | Measure-Object -Minimum).Minimum; Max = ($list | Measure-Object -Maximum).Maximum; Count = $list.Count }
}
function Get-RatioValues([hashtable] $A, [hashtable] $B) {
    $ratios = @{}
    foreach ($run in $A.Keys) { if ($B.ContainsKey($run) -and $B[$run] -ne 0) { $ratios[$run] = $A[$run] / $B[$run] } }
    $ratios
}

$goals = [Collections.Generic.List[string]]::new()
$goals.Add('| goal | measured (median; range over runs) | verdict |')
$goals.Add('|---|---|---|')
function Add-Goal([string] $Goal, [string] $Measured, $Stats, [string] $Op, [double] $Limit) {
    $verdict = 'not measured'
    if ($Stats) {
        $holds = ($Op -eq '<=') ? ($Stats.Median -le $Limit) : (($Op -eq '<') ? ($Stats.Median -lt $Limit) : ($Stats.Median -ge $Limit))
        $verdict = $holds ? 'holds' : '**missed**'
        if ($Stats.Count -gt 1 -and $Stats.Min -le $Limit -and $Limit -le $Stats.Max) { $verdict += ' (borderline: the limit is within the range)' }
    }
    $goals.Add("| $(Format-Cell $Goal) | $Measured | $verdict |")
}
function Format-Range($Stats, [string] $Suffix = '') {
    if (-not $Stats) { return '' }
    $text = "$(Format-Number $Stats.Median 3)$Suffix"
    if ($Stats.Count -gt 1) { $text += " ($(Format-Number $Stats.Min 3)-$(Format-Number $Stats.Max 3))" }
    $text
}
# Adds a goal "A/B <op> limit" from per-run ratios of one metric of two rows.
function Add-RatioGoal([string] $Goal, [string[]] $A, [string[]] $B, [string] $Metric, [string] $Unit, [string] $Op, [double] $Limit, [string] $Extra = '', [string] $MetricB = $Metric) {
    $va = Get-RunValues $A[0] $A[1] $Metric ($A.Count -gt 2 ? $A[2] : 'websocket')
    $vb = Get-RunValues $B[0] $B[1] $MetricB ($B.Count -gt 2 ? $B[2] : 'websocket')
    $stats = Get-Stats (Get-RatioValues $va $vb)
    $measured = if ($stats) { "$(Format-Range $stats 'x') ($(Format-Number (Get-Stats $va).Median 3) vs $(Format-Number (Get-Stats $vb).Median 3) $Unit)$Extra" } else { '' }
    Add-Goal $Goal $measured $stats $Op $Limit
}
function Add-ValueGoal([string] $Goal, [string[]] $A, [string] $Metric, [string] $Unit, [string] $Op, [double] $Limit, [string] $Extra = '') {
    $stats = Get-Stats (Get-RunValues $A[0] $A[1] $Metric ($A.Count -gt 2 ? $A[2] : 'websocket'))
    $measured = if ($stats) { "$(Format-Range $stats " $Unit")$Extra" } else { $Extra }
    Add-Goal $Goal $measured $stats $Op $Limit
}

$receiveClient = 'pwsh Receive-SocketIoEvent | Measure-Object'
$registerClient = 'pwsh Register-SocketIoEvent + Wait-Event loop'
$baselineClient = 'pwsh Register-ObjectEvent + Wait-Event loop'
$actionClient = 'pwsh Register-SocketIoEvent -Action + Wait-SocketIoEvent'

Add-RatioGoal 'flood, core: client CPU per event <= 0.5x node' @('flood', 'core') @('flood', 'node') cpu 'CPU-s/100k' '<=' 0.5
$floodCore = Get-Stats (Get-RunValues flood core p50)
$floodNode = Get-Stats (Get-RunValues flood node p50)
# Only when the flood rows ran (a -Scenario run without them has no figures to quote).
$floodP50 = if ($floodCore -and $floodNode) { "; saturated flood p50: core $(Format-Number $floodCore.Median 3), node $(Format-Number $floodNode.Median 3) ms" } else { '' }
$pacedNode = Get-Stats (Get-RunValues paced node p50)
Add-ValueGoal "flood, core: one-way latency p50 <= 2 ms (paced $(Format-Number $S.PacedRate)/s)" @('paced', 'core') p50 'ms' '<=' 2 `
    " (node $(if ($pacedNode) { Format-Range $pacedNode ' ms' }))$floodP50"
Add-RatioGoal 'ack round trip p50, core <= 0.7x node' @('ack', 'core') @('ack', 'node') p50 'ms' '<=' 0.7
Add-RatioGoal 'sink, core: events/s >= 1.3x node' @('sink', 'core') @('sink', 'node') rate 'ev/s' '>=' 1.3
Add-RatioGoal 'binary 1 MiB, core: MB/s >= node' @('binary', 'core') @('binary', 'node') rate 'MB/s' '>=' 1.0
Add-RatioGoal "binary 1 MiB, $($releaseClient): MB/s >= node" @('binary', $releaseClient) @('binary', 'node') rate 'MB/s' '>=' 1.0
# One copy of each 1 MiB payload is allocated when the attachment is taken out of the receive buffer; a second copy
# would show as >= 2x. Below 1.5x counts as "one copy" (copies inside pooled buffers do not show here).
Add-ValueGoal 'binary 1 MiB, core: no copies of the payload beyond one (managed bytes allocated / payload)' @('binary', 'core') copies 'x' '<' 1.5
Add-RatioGoal 'connect p50, core <= node' @('connect', 'core') @('connect', 'node') p50 'ms' '<=' 1.0
Add-ValueGoal "many: $($S.Many) idle connections, core: threads <= 40 in total" @('many', 'core') threads 'threads' '<=' 40
# Two readings for the core: RSS after a full GC still holds the free regions the connect storm left (the GC keeps
# them committed for reuse, not the connections); after an aggressive GC that is given back and what is left is what
# the connections hold. Node's figure is after global.gc(), V8's full collection. Both goals are printed.
Add-RatioGoal "many: $($S.Many) idle connections, core: memory per connection <= 0.6x node (RSS after a full GC)" @('many', 'core') @('many', 'node') memPerConnKB 'KB RSS' '<=' 0.6
Add-RatioGoal "many: $($S.Many) idle connections, core: memory per connection <= 0.6x node (core RSS after an aggressive GC)" @('many', 'core') @('many', 'node') memPerConnAggressiveKB 'KB RSS' '<=' 0.6 -MetricB memPerConnKB
Add-RatioGoal 'flood through Receive-SocketIoEvent | Measure-Object >= 0.8x node ev/s' @('receive', $receiveClient) @('flood', 'node') rate 'ev/s' '>=' 0.8
$lost = Get-Stats (Get-RunValues register $registerClient lost)
Add-RatioGoal 'Register-SocketIoEvent + Wait-Event loop >= 0.9x the same loop over a plain .NET event source, 0 lost' @('register', $registerClient) @('baseline', $baselineClient, '-') rate 'ev/s' '>=' 0.9 `
    $(if ($lost) { "; lost $([int]$lost.Max)" })
$idle = Get-Stats (Get-RunValues action $actionClient idleCpuPercent)
$actionNote = ($table | Where-Object { $_.Id -eq 'action' -and $_.Transport -eq 'websocket' } | Select-Object -First 1)
Add-ValueGoal '-Action handlers while the script waits: >= 5k actions/s' @('action', $actionClient) rate 'actions/s' '>=' 5000 `
    $(if ($actionNote -and $actionNote.Status -ne 'ok') { "$($actionNote.Status): $($actionNote.Note)" })
# Near zero = what pwsh costs idle in Start-Sleep anyway (same process, same subscription), plus at most 1 point.
$sleepIdle = Get-Stats (Get-RunValues action $actionClient sleepIdleCpuPercent)
$idleLimit = if ($sleepIdle) { [math]::Max(2, $sleepIdle.Median + 1) } else { 2 }
Add-ValueGoal "-Action: near-zero CPU while idle ($($S.IdleSec) s in Wait-SocketIoEvent; limit max(2 %, Start-Sleep + 1 point))" @('action', $actionClient) idleCpuPercent '% CPU' '<' $idleLimit `
    $(if ($sleepIdle) { "; Start-Sleep in the same process: $(Format-Range $sleepIdle ' %')" })
Add-RatioGoal 'Send-SocketIoEvent -Ack round trip p50 from pwsh <= 2x node' @('ack', 'pwsh Send-SocketIoEvent -Ack loop') @('ack', 'node') p50 'ms' '<=' 2
Add-ValueGoal 'Import-Module of the laid-out module, warm <= 150 ms' @('import', 'pwsh', '-') importMs 'ms' '<=' 150

if (-not $meta) {
    $commit = try { (& git -C $SourceRoot rev-parse --short HEAD 2>$null) } catch { $null }
    $meta = [pscustomobject]@{
        date        = Get-Date -Format 'yyyy-MM-dd HH:mm'
        cores       = [Environment]::ProcessorCount
        quick       = [bool]$Quick
        runs        = $Runs
        seconds     = [int]$started.Elapsed.TotalSeconds
        source      = "$SourceRoot$(if ($commit) { " (git $commit)" })$(if ($Description) { " - $Description" })"
        versions    = "node $(& node --version); pwsh $($PSVersionTable.PSVersion); $([Runtime.InteropServices.RuntimeInformation]::FrameworkDescription)"
        loadBefore  = $loadBefore
        loadAfter   = Get-LoadAverage
    }
}
$header = @(
    "## SocketIo benchmark ($($meta.date), $($meta.cores) cores, $(if ($meta.quick) { 'quick, ' })median of $($meta.runs) run(s), $($meta.seconds) s)"
    ''
    "Source: $($meta.source); $($meta.versions). Load average (1/5/15 min) before: $($meta.loadBefore), after: $($meta.loadAfter). Rate: median (min-max over runs)."
    ''
)
$goalsTitle = '### Goals (issue 6, websocket)' + $(if ($meta.quick) { ' - a -Quick run is a smoke test: its sizes are too small for these verdicts' })
$markdown = ($header + $lines + @('', $goalsTitle, '') + $goals) -join [Environment]::NewLine


if (-not $FromJson) {
    $null = New-Item -ItemType Directory -Path $OutDirectory -Force
    $stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
    Set-Content -Path (Join-Path $OutDirectory "bench-$stamp.md") -Value $markdown
    [pscustomobject]@{ meta = $meta; results = $results } | ConvertTo-Json -Depth 6 | Set-Content -Path (Join-Path $OutDirectory "bench-$stamp.json")
}
Write-Host ''
$markdown
Write-Host ''
if (-not $FromJson) { Write-Host "Saved to $(Join-Path $OutDirectory "bench-$stamp.md") (raw results: .json)." }
