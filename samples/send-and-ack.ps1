<#
.SYNOPSIS
    Automation: connect to a Socket.IO server, emit one event, wait for the server's acknowledgement, exit with a code.
.DESCRIPTION
    For build pipelines, deployment scripts and monitoring probes: it emits -EventName with -Json as its one argument
    (a JSON text, parsed into an object), waits for the acknowledgement and writes it as JSON. The exit code says
    what happened:

      0  the server acknowledged the event (its reply is written to the output as JSON)
      1  the server acknowledged with an error: its reply has an 'error' property
      2  no acknowledgement within -TimeoutSec (SocketIoAckTimeout)
      3  could not connect: refused, rejected by the server's middleware, timeout, certificate, bad URI
      4  anything else went wrong

    The token for the CONNECT payload (auth.token) comes from -Token, else from the environment variable
    SOCKETIO_TOKEN, so it stays off the command line. -Retries makes delivery at-least-once across reconnections.
.EXAMPLE
    pwsh -NoProfile -File send-and-ack.ps1 -Uri https://deploy.example.com -EventName deployed -Json '{"app":"shop","version":"1.4.2"}'
.EXAMPLE
    pwsh -NoProfile -File send-and-ack.ps1 -Uri http://localhost:3000 -EventName ping -TimeoutSec 5; if ($LASTEXITCODE) { 'server not answering' }
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Mandatory)] [string] $Uri,
    [Parameter(Mandatory)] [string] $EventName,
    [string] $Json,
    [string] $Namespace = '/',
    [string] $Token = $env:SOCKETIO_TOKEN,
    [int] $TimeoutSec = 30,
    [int] $Retries = 0,
    [string] $ModulePath = 'SocketIo'
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Write-Log([string] $Message) { Write-Output ('{0:yyyy-MM-dd HH:mm:ss} {1}' -f (Get-Date), $Message) }

Import-Module $ModulePath
$hasJson = $PSBoundParameters.ContainsKey('Json')
$script:ExitCode = 4

# The work; every path sets $script:ExitCode, and the script ends with the one 'exit' below.
function Invoke-SendAndAck {
    # -TimeoutSec is about the answer; a connect on a busy machine gets at least 10 s (a refused one fails at once).
    $connect = @{ Uri = $Uri; Namespace = $Namespace; ConnectionTimeoutSeconds = [Math]::Max(10, [Math]::Min($TimeoutSec, 3600)) }
    if ($Retries -eq 0) { $connect.NoReconnect = $true }
    if ($Token) { $connect.Auth = @{ token = $Token } }
    try {
        $connection = Connect-SocketIo @connect
    }
    catch {
        Write-Log "Could not connect to $Uri (namespace $Namespace): $($_.Exception.Message) [$($_.FullyQualifiedErrorId -replace ',.*$')]"
        $script:ExitCode = 3
        return
    }
    try {
        Write-Log "Connected to $($connection.Uri) namespace $($connection.Namespace) over $($connection.Transport)."
        $send = @{ Connection = $connection; EventName = $EventName; Ack = $true; TimeoutSec = $TimeoutSec }
        if ($hasJson) { $send.Data = ConvertFrom-Json -InputObject $Json }
        if ($Retries -gt 0) { $send.Retries = $Retries }
        try {
            $reply = @(Send-SocketIoEvent @send)
        }
        catch {
            if ($_.FullyQualifiedErrorId -notlike 'SocketIoAckTimeout*') { throw }
            Write-Log "No acknowledgement for '$EventName' within $TimeoutSec s."
            $script:ExitCode = 2
            return
        }
        $text = if ($reply.Count -eq 0) { '(no arguments)' } elseif ($reply.Count -eq 1) { ConvertTo-Json -InputObject $reply[0] -Compress -Depth 10 } else { ConvertTo-Json -InputObject $reply -Compress -Depth 10 }
        Write-Log "Acknowledged: $text"
        $first = if ($reply.Count -gt 0) { $reply[0] } else { $null }
        $failed = $first -is [System.Management.Automation.PSCustomObject] -and $first.PSObject.Properties['error'] -and $first.error
        $script:ExitCode = if ($failed) { 1 } else { 0 }
    }
    catch {
        Write-Log "Failed: $($_.Exception.Message) [$($_.FullyQualifiedErrorId -replace ',.*$')]"
        $script:ExitCode = 4
    }
    finally {
        Disconnect-SocketIo $connection -ErrorAction SilentlyContinue
    }
}

Invoke-SendAndAck
Write-Log "Exit code $script:ExitCode."
exit $script:ExitCode
