<#
.SYNOPSIS
    Scheduled-task style print: connect to a printer, upload a G-code file, print it, wait for the end, report.
.DESCRIPTION
    Made to run unattended (Task Scheduler, cron, a CI job): everything it does is logged to the output, and the exit
    code says how the print went, so the scheduler can alert on it.

      0  the print finished (PrintDone)
      1  the print failed (PrintFailed, e.g. a printer error)
      2  the print was cancelled
      3  the print could not be started (connection, login, upload or printer refused)
      4  the print did not end within -TimeoutSec (it may still be running)

    The API key comes from -ApiKey, else from the environment variable OCTOPRINT_API_KEY (keep it out of the task's
    command line), or use -Saved with a printer saved by New-OctoPrintSavedPrinter.
.EXAMPLE
    pwsh -NoProfile -File print-and-report.ps1 -Uri https://octopi.local -Path .\benchy.gcode
.EXAMPLE
    pwsh -NoProfile -File print-and-report.ps1 -Saved mk4 -Path .\benchy.gcode -TimeoutSec 14400
#>
[CmdletBinding(DefaultParameterSetName = 'Uri')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Uri')] [string] $Uri,
    [Parameter(ParameterSetName = 'Uri')] [string] $ApiKey = $env:OCTOPRINT_API_KEY,
    [Parameter(Mandatory, ParameterSetName = 'Saved')] [string] $Saved,
    [Parameter(Mandatory)] [string] $Path,
    [string] $Destination = 'scheduled',
    [int] $TimeoutSec = 24 * 3600,
    [string] $ModulePath = 'SocketIo'
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # no progress bars in a scheduled task's log

function Write-Log([string] $Message) { Write-Output ('{0:yyyy-MM-dd HH:mm:ss} {1}' -f (Get-Date), $Message) }

$connection = $null
$exitCode = 3
try {
    Import-Module $ModulePath
    if ($PSCmdlet.ParameterSetName -eq 'Saved') {
        $connection = Connect-OctoPrint -Saved $Saved
    }
    else {
        if (-not $ApiKey) { throw 'No API key: pass -ApiKey or set OCTOPRINT_API_KEY.' }
        $connection = Connect-OctoPrint -Uri $Uri -ApiKey $ApiKey
    }
    Write-Log "Connected to $($connection.Name) (OctoPrint $($connection.ServerVersion)), printer $($connection.Status.State)."
    if (-not $connection.Status.Operational -or $connection.Status.Printing -or $connection.Status.Paused) {
        throw "The printer is not ready to print (state: $($connection.Status.State))."
    }

    # Upload (replacing an older copy) and start printing it; -Wait returns once OctoPrint reports PrintStarted.
    $file = Send-OctoPrintFile -Connection $connection -Path $Path -Destination $Destination -Print -Force -Wait -Confirm:$false
    Write-Log "Uploaded $($file.Path) ($($file.Size) bytes); the print has started."

    # Driven by the push events: no polling, no sleeping.
    $result = Wait-OctoPrintJob -Connection $connection -TimeoutSec $TimeoutSec -ErrorAction SilentlyContinue -ErrorVariable waitErrors
    if ($result) {
        Write-Log "Print of $($result.File) on $($result.Name): $($result.Outcome) after $($result.PrintTime)$(if ($result.Reason) { " ($($result.Reason))" })."
        $exitCode = $result.ExitCode
    }
    elseif ($waitErrors -and $waitErrors[0].FullyQualifiedErrorId -like 'OctoPrintWaitTimeout*') {
        Write-Log "The print did not end within $TimeoutSec s: $($waitErrors[0].Exception.Message)"
        $exitCode = 4
    }
    else {
        Write-Log "Lost the printer while waiting: $($waitErrors | Select-Object -First 1)"
        $exitCode = 3
    }
}
catch {
    Write-Log "Could not print: $($_.Exception.Message) [$($_.FullyQualifiedErrorId)]"
    $exitCode = 3
}
finally {
    if ($connection) { Disconnect-SocketIo -Connection $connection -ErrorAction SilentlyContinue }
}
Write-Log "Exit code $exitCode."
exit $exitCode
