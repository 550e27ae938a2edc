<#
.SYNOPSIS
    Shared helpers for the module tests; dot-source it in a BeforeAll block.
.DESCRIPTION
    Imports the module under test ($env:SOCKETIO_TEST_MODULE, set by Invoke-ModuleTests.ps1) and the node server
    helpers. Every wait here is bounded by a deadline.
#>

if (-not $env:SOCKETIO_TEST_MODULE) { throw 'SOCKETIO_TEST_MODULE is not set: run the tests through Invoke-ModuleTests.ps1.' }
$TestModuleManifest = Join-Path $env:SOCKETIO_TEST_MODULE 'SocketIo.psd1'
Import-Module $TestModuleManifest -ErrorAction Stop
Import-Module (Join-Path $PSScriptRoot '../servers/NodeServer.psm1') -Force -ErrorAction Stop

# Runs a script block and returns the ErrorRecord it threw (or $null when it did not throw).
function Get-ThrownError {
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    try {
        $null = & $ScriptBlock
        $null
    }
    catch {
        $_
    }
}

# Polls a condition until it is true or the deadline passes; returns whether it became true.
function Wait-Until {
    param(
        [Parameter(Mandatory)] [scriptblock] $Condition,
        [double] $TimeoutSec = 10,
        [int] $IntervalMs = 20
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        if (& $Condition) { return $true }
        if ([DateTime]::UtcNow -ge $deadline) { return $false }
        Start-Sleep -Milliseconds $IntervalMs
    }
}

# Waits for an event an -Action raises with New-Event, letting PowerShell run pending actions meanwhile (Wait-Event
# runs them while it waits, throttled to roughly 15 a second), in 1 s slices up to the deadline.
# Returns the event (removed from the queue), or $null at the deadline.
function Wait-ActionSignal {
    param(
        [Parameter(Mandatory)] [string] $SourceIdentifier,
        [double] $TimeoutSec = 10
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    do {
        $signal = Wait-Event -SourceIdentifier $SourceIdentifier -Timeout 1
        if ($signal) {
            $signal | Remove-Event
            return $signal
        }
    } while ([DateTime]::UtcNow -lt $deadline)
    $null
}

# A TCP port on the loopback that nothing listens on.
function Get-ClosedPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# A new PowerShell with its own runspace, the module imported and one connection ($global:c there).
# Returns @{ Shell = [powershell]; Connection = the nested runspace's connection }.
function New-NestedSession {
    param([Parameter(Mandatory)] [string] $Uri)
    $shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
    try {
        $null = $shell.AddScript({
                param($manifest, $uri)
                $ErrorActionPreference = 'Stop'
                Import-Module $manifest
                $global:c = Connect-SocketIo $uri
                $global:c
            }).AddArgument($TestModuleManifest).AddArgument($Uri)
        $output = $shell.Invoke()
        if ($shell.HadErrors -or $output.Count -ne 1) { throw "The nested session could not connect: $($shell.Streams.Error -join '; ')" }
        $shell.Commands.Clear()
        @{ Shell = $shell; Connection = $output[0].psobject.BaseObject }
    }
    catch {
        $shell.Dispose()
        throw
    }
}

# Disconnects whatever the tests left behind in this runspace, then stops the server.
function Stop-TestEnvironment {
    param($Server)
    try {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Unregister-Event -ErrorAction SilentlyContinue
        Get-Event | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Remove-Event -ErrorAction SilentlyContinue
        Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
    }
    finally {
        if ($Server) { Stop-NodeServer $Server }
    }
}
