# Shared by the bench/soak scripts (dot-sourced): building, running a child process with a time limit and
# cleaning up after it, stray node servers, and table formatting. Loopback only: every server is soak-server.js on
# 127.0.0.1.

$script:SoakDir = $PSScriptRoot
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ServerScript = Join-Path $PSScriptRoot 'soak-server.js'
$script:ServersDir = Join-Path $script:RepoRoot 'tests/servers'
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function Invoke-SoakNative {
    param([string] $FilePath, [string[]] $ArgumentList, [string] $WorkingDirectory = $script:RepoRoot)
    Push-Location $WorkingDirectory
    try {
        & $FilePath @ArgumentList
        if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
    }
    finally { Pop-Location }
}

<#
  Makes what a soak needs: the test servers' node_modules (soak-server.js uses their socket.io), the driver
  (bench/soak/SoakDriver, Release, built into <OutDir>/driver against <SourceRoot>/src/SocketIo.Core) and/or the module
  (<SourceRoot>/build.ps1 Layout, then copied to <OutDir>/module/SocketIo so that a parallel rebuild of out/SocketIo
  cannot change it under a running soak). Returns @{ Driver = path of SoakDriver.dll; Module = path of SocketIo.psd1 }.
#>
function Initialize-Soak {
    param([string] $SourceRoot, [string] $OutDir, [switch] $NoBuild, [switch] $Driver, [switch] $Module)
    if (-not $SourceRoot) { $SourceRoot = $script:RepoRoot }
    $SourceRoot = (Resolve-Path $SourceRoot).Path
    $null = New-Item -ItemType Directory -Force -Path $OutDir
    if (-not (Test-Path (Join-Path $script:ServersDir 'node_modules/socket.io'))) {
        Write-Host '== npm ci (tests/servers)' -ForegroundColor Cyan
        Invoke-SoakNative npm @('ci', '--no-audit', '--no-fund') -WorkingDirectory $script:ServersDir
    }
    $paths = @{ Driver = (Join-Path $OutDir 'driver/SoakDriver.dll'); Module = (Join-Path $OutDir 'module/SocketIo/SocketIo.psd1') }
    if ($Driver -and -not $NoBuild) {
        Write-Host "== Build bench/soak/SoakDriver (Release) against $SourceRoot" -ForegroundColor Cyan
        Invoke-SoakNative dotnet @('build', (Join-Path $script:SoakDir 'SoakDriver/SoakDriver.csproj'), '-c', 'Release', '--nologo', '-v', 'quiet',
            "-p:SocketIoRoot=$SourceRoot/", '-o', (Join-Path $OutDir 'driver'))
    }
    if ($Module -and -not $NoBuild) {
        Write-Host "== Layout of the module ($SourceRoot)" -ForegroundColor Cyan
        Invoke-SoakNative $script:Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $SourceRoot 'build.ps1'), '-Task', 'Layout') -WorkingDirectory $SourceRoot
        $target = Join-Path $OutDir 'module/SocketIo'
        if (Test-Path $target) { Remove-Item $target -Recurse -Force }
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $target)
        Copy-Item (Join-Path $SourceRoot 'out/SocketIo') $target -Recurse
    }
    if ($Driver -and -not (Test-Path $paths.Driver)) { throw "No driver at $($paths.Driver) (run without -NoBuild)." }
    if ($Module -and -not (Test-Path $paths.Module)) { throw "No module at $($paths.Module) (run without -NoBuild)." }
    $paths
}

<#
  Runs one child process (the driver, or a child pwsh) with a time limit. Its stderr goes straight to the console
  (progress lines); its stdout is read for the one line "RESULT {json}", which is returned parsed. Whatever happens
  (time out, failure, Ctrl+C), the child is killed if it still runs, and so is every soak-server.js whose pid the
  child wrote to <OutDir>/node-pids.txt.
#>
function Invoke-SoakChild {
    param([string] $FilePath, [string[]] $ArgumentList, [int] $TimeoutSec, [string] $OutDir)
    $info = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $info.ArgumentList.Add([string]$a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardInput = $true   # the child's node servers watch their own stdin; ours is just kept open
    $info.WorkingDirectory = $script:RepoRoot
    $process = $null
    try {
        $process = [Diagnostics.Process]::Start($info)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $clock = [Diagnostics.Stopwatch]::StartNew()
        # Short waits, so that Ctrl+C (which also reaches the child) stops this script between two of them.
        while (-not $process.WaitForExit(250)) {
            if ($clock.Elapsed.TotalSeconds -gt $TimeoutSec) {
                Write-Warning "$([IO.Path]::GetFileName($FilePath)) did not finish within $TimeoutSec s: killed."
                break
            }
        }
        if ($process.HasExited) { $null = $stdout.Wait(5000) }
        $line = if ($stdout.IsCompleted) { ($stdout.Result -split "`n" | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1) }
        $exit = if ($process.HasExited) { $process.ExitCode } else { $null }
        if (-not $line) {
            return [pscustomobject]@{ status = 'crashed'; exitCode = $exit; note = 'no RESULT line' }
        }
        $result = ($line.Substring(7) | ConvertFrom-Json)
        $result | Add-Member -NotePropertyName exitCode -NotePropertyValue $exit -Force
        $result
    }
    finally {
        if ($process -and -not $process.HasExited) {
            try { $process.Kill($true) } catch { }
            $null = $process.WaitForExit(5000)
        }
        Stop-StrayNode -OutDir $OutDir
        if ($process) { $process.Dispose() }
    }
}

# SIGKILL for any soak-server.js a child started and left behind (its pids are in node-pids.txt); a pid is only
# killed while its command line still names soak-server.js (pids are reused).
function Stop-StrayNode {
    param([string] $OutDir)
    $file = Join-Path $OutDir 'node-pids.txt'
    if (-not (Test-Path $file)) { return }
    foreach ($id in (Get-Content $file | Where-Object { $_ -match '^\d+$' } | Select-Object -Unique)) {
        $cmdline = "/proc/$id/cmdline"
        if ((Test-Path $cmdline) -and ((Get-Content $cmdline -Raw -ErrorAction SilentlyContinue) -match 'soak-server\.js')) {
            $state = ((Get-Content "/proc/$id/status" -ErrorAction SilentlyContinue) -match '^State:') -replace '^State:\s*', ''
            Write-Warning "killing stray soak-server.js (pid $id, $state)"
            & kill -KILL $id 2>$null
        }
    }
    Remove-Item $file -ErrorAction SilentlyContinue
}

function Format-SoakNumber($Value, [string] $Format = '0.#') {
    if ($null -eq $Value) { return 'n/a' }
    if ($Value -is [string]) { return $Value }
    return ([double]$Value).ToString($Format, [Globalization.CultureInfo]::InvariantCulture)
}

# A verdict cell: ok / FAIL.
function Get-SoakVerdict([bool] $Ok) { if ($Ok) { 'ok' } else { 'FAIL' } }

# Prints rows (ordered hashtables with the same keys) as a markdown table and returns the text.
function Write-SoakTable {
    param([object[]] $Rows, [string] $Title)
    if (-not $Rows -or $Rows.Count -eq 0) { return '' }
    $keys = @($Rows[0].Keys)
    $lines = [Collections.Generic.List[string]]::new()
    if ($Title) { $lines.Add("### $Title"); $lines.Add('') }
    $lines.Add('| ' + ($keys -join ' | ') + ' |')
    $lines.Add('|' + (($keys | ForEach-Object { '---' }) -join '|') + '|')
    foreach ($row in $Rows) { $lines.Add('| ' + (($keys | ForEach-Object { [string]$row[$_] }) -join ' | ') + ' |') }
    $lines.Add('')
    $text = $lines -join "`n"
    Write-Host $text
    $text
}
