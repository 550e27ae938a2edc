<#
.SYNOPSIS
    Builds, lays out, tests and demonstrates the SocketIo module.
.DESCRIPTION
    Run with the repository's local PowerShell tool:  dotnet tool restore; dotnet pwsh ./build.ps1 <Task>
    Tasks (each runs what it needs first):
      Bootstrap  restore the local dotnet tools, npm ci the test servers, download Pester 5.7.1 from NuGet
      Build      build the solution (warnings are errors)
      Layout     lay out the importable module in out/SocketIo
      Test       all test tiers (xUnit core tests, Pester module tests in a child pwsh); ends with "N passed, N failed"
      Demo       start the bundled local server and show the module at work
      Package    a versioned module folder (out/package/SocketIo/<version>/) and SocketIo.<version>.nupkg for
                 Install-Module / Save-Module users (version: Directory.Build.props <Version>)
.EXAMPLE
    dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Bootstrap', 'Build', 'Layout', 'Test', 'Demo', 'Package', 'Clean')]
    [string[]] $Task = @('Layout'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'SocketIo'
$Packages = Join-Path $Root 'packages'
$PesterManifest = Join-Path $Packages 'pester/5.7.1/tools/Pester.psd1'
$ServersDir = Join-Path $Root 'tests/servers'
$ResultsDir = Join-Path $Out 'TestResults'
$script:Done = @{}

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList, [string] $WorkingDirectory = $Root)
    Push-Location $WorkingDirectory
    try {
        & $FilePath @ArgumentList
        if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
    }
    finally { Pop-Location }
}

function Invoke-Once([string] $Name, [scriptblock] $Body) {
    if ($script:Done[$Name]) { return }
    Write-Host "== $Name" -ForegroundColor Cyan
    & $Body
    $script:Done[$Name] = $true
}

function Invoke-Bootstrap {
    Invoke-Once 'Bootstrap' {
        Invoke-Native dotnet @('tool', 'restore')
        # npm ci again whenever the lock file changed since the last install (a stamp holds its hash).
        $lockHash = (Get-FileHash (Join-Path $ServersDir 'package-lock.json')).Hash
        $stamp = Join-Path $ServersDir 'node_modules/.socketio-lock-hash'
        if (-not (Test-Path $stamp) -or (Get-Content $stamp -Raw).Trim() -ne $lockHash) {
            Invoke-Native npm @('ci', '--no-audit', '--no-fund') -WorkingDirectory $ServersDir
            Set-Content -Path $stamp -Value $lockHash
        }
        if (-not (Test-Path $PesterManifest)) {
            Invoke-Native dotnet @('restore', (Join-Path $Root 'tools/pester/Pester.Restore.csproj'), '--packages', $Packages)
        }
    }
}

function Invoke-Build {
    Invoke-Once 'Build' {
        Invoke-Native dotnet @('build', (Join-Path $Root 'SocketIoModule.sln'), '-c', $Configuration, '--nologo', '-v', 'minimal')
    }
}

function Invoke-Layout {
    Invoke-Build
    Invoke-Once 'Layout' {
        $publish = Join-Path $Out 'publish'
        Invoke-Native dotnet @('publish', (Join-Path $Root 'src/SocketIo.PowerShell/SocketIo.PowerShell.csproj'), '-c', $Configuration, '--no-build', '-o', $publish, '--nologo', '-v', 'quiet')
        if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
        $dependencies = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'Dependencies') -Force
        foreach ($file in Get-ChildItem $publish -Filter *.dll) {
            switch -Wildcard ($file.Name) {
                'SocketIo.*' { Copy-Item $file.FullName $ModuleOut }
                'System.Management.Automation.dll' { }   # PowerShell's own; compile-time reference only
                default { Copy-Item $file.FullName $dependencies }  # loaded from here on Windows PowerShell 5.1 only
            }
        }
        Copy-Item (Join-Path $Root 'module/*') $ModuleOut -Recurse
        # One version, from the build: the manifest gets the assembly's version.
        $version = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModuleOut 'SocketIo.PowerShell.dll')).Version
        $manifest = Get-Content (Join-Path $Root 'SocketIo.psd1') -Raw
        $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion          = '$($version.ToString(3))'"
        Set-Content -Path (Join-Path $ModuleOut 'SocketIo.psd1') -Value $manifest -Encoding utf8BOM
        # Help (en-US/): MAML and about_ topics compiled from docs/help, in a child pwsh since it imports the module.
        & (Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')) -NoProfile -NonInteractive -File (Join-Path $Root 'tools/New-MamlHelp.ps1') `
            -ModulePath $ModuleOut -SourcePath (Join-Path $Root 'docs/help')
        if ($LASTEXITCODE -ne 0) { throw "Building the help failed (exit code $LASTEXITCODE)." }
        Write-Host "Module laid out in $ModuleOut (version $($version.ToString(3)))."
    }
}

function Invoke-Package {
    Invoke-Layout
    Invoke-Once 'Package' {
        & (Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')) -NoProfile -NonInteractive -File (Join-Path $Root 'tools/New-ModulePackage.ps1') `
            -ModulePath $ModuleOut -OutputPath (Join-Path $Out 'package') -PropsPath (Join-Path $Root 'Directory.Build.props')
        if ($LASTEXITCODE -ne 0) { throw "Packaging failed (exit code $LASTEXITCODE)." }
    }
}

function Read-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content $Path -Raw
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout; Skipped = [int]$counters.notExecuted }
}

function Invoke-Test {
    Invoke-Bootstrap
    Invoke-Layout
    Invoke-Once 'Test' {
        if (Test-Path $ResultsDir) { Remove-Item $ResultsDir -Recurse -Force }
        $tiers = [ordered]@{}

        Write-Host '-- Tier 1+2: core unit and integration tests (xUnit)' -ForegroundColor Cyan
        $trx = Join-Path $ResultsDir 'core.trx'
        & dotnet test (Join-Path $Root 'tests/SocketIo.Core.Tests/SocketIo.Core.Tests.csproj') -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
        $tiers['xUnit'] = if (Test-Path $trx) { Read-TrxCounts $trx } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

        Write-Host '-- Tier 3: module tests (Pester, in a child pwsh)' -ForegroundColor Cyan
        $summary = Join-Path $ResultsDir 'pester.json'
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        & $pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/module/Invoke-ModuleTests.ps1') `
            -PesterManifest $PesterManifest -ModulePath $ModuleOut -SummaryPath $summary
        $tiers['Pester'] = if (Test-Path $summary) { Get-Content $summary -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

        $passed = 0; $failed = 0; $skipped = 0
        foreach ($name in $tiers.Keys) {
            $t = $tiers[$name]
            Write-Host ("{0,-7} {1} passed, {2} failed, {3} skipped" -f $name, $t.Passed, $t.Failed, $t.Skipped)
            $passed += $t.Passed; $failed += $t.Failed; $skipped += $t.Skipped
        }
        $line = "$passed passed, $failed failed"
        if ($skipped -gt 0) { $line += ", $skipped skipped" }
        Write-Host $line
        if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
    }
}

function Invoke-Demo {
    Invoke-Bootstrap
    Invoke-Layout
    Invoke-Once 'Demo' {
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        & $pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'samples/demo.ps1') -ModulePath $ModuleOut
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
}

foreach ($name in $Task) {
    switch ($name) {
        'Bootstrap' { Invoke-Bootstrap }
        'Build' { Invoke-Build }
        'Layout' { Invoke-Layout }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Package' { Invoke-Package }
        'Clean' { foreach ($dir in $Out, $Packages) { if (Test-Path $dir) { Remove-Item $dir -Recurse -Force } } }
    }
}
