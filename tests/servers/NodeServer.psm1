<#
.SYNOPSIS
    Starts and stops the bundled node test servers for Pester tests and the demo.
.DESCRIPTION
    A server binds a free 127.0.0.1 port, prints "READY <port>", and exits when its standard input closes, so a
    test run that dies never leaves one behind. Stop-NodeServer closes stdin, waits, and kills as a last resort.
#>

function Start-NodeServer {
    [CmdletBinding()]
    param(
        [string] $Script = 'socketio-server.js',
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSec = 20
    )
    $modules = Join-Path $PSScriptRoot 'node_modules'
    if (-not (Test-Path $modules)) { throw "The test servers' node_modules are missing: run 'dotnet pwsh ./build.ps1 Bootstrap' first." }

    $info = [System.Diagnostics.ProcessStartInfo]::new('node')
    $info.Arguments = (@($Script) + $ArgumentList | ForEach-Object { '"' + $_ + '"' }) -join ' '
    $info.WorkingDirectory = $PSScriptRoot
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([TimeSpan]::FromSeconds($TimeoutSec)) -or $line.Result -notmatch '^READY (\d+)$') {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The node server '$Script' did not report READY within $TimeoutSec s (got: '$($line.Result)')."
    }
    $port = [int]$Matches[1]
    [pscustomobject]@{
        PSTypeName = 'SocketIo.TestServer'
        Process    = $process
        Port       = $port
        Uri        = "http://127.0.0.1:$port"
    }
}

function Stop-NodeServer {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Server)
    process {
        if ($null -eq $Server) { return }
        $process = $Server.Process
        try { $process.StandardInput.Close() } catch { }
        if (-not $process.WaitForExit(3000)) {
            try { $process.Kill() } catch { }
            $null = $process.WaitForExit(3000)
        }
        $process.Dispose()
    }
}

function Get-NodeServerStats {
    param([Parameter(Mandatory)] $Server)
    Invoke-RestMethod -Uri "$($Server.Uri)/stats" -TimeoutSec 5
}

Export-ModuleMember -Function Start-NodeServer, Stop-NodeServer, Get-NodeServerStats
