# The samples in samples/, each run as a script is run by a scheduler (pwsh -File, in a child process) against the local
# servers. The runs start together in BeforeAll and are checked one by one, so the file takes about as long as the
# slowest sample.

Describe 'The samples' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $samples = Join-Path $PSScriptRoot '../../samples'
        $pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

        # Starts samples/<Name> with the arguments (and -ModulePath); returns the process and its captured output.
        function Start-Sample([string] $Name, [string[]] $Arguments) {
            $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
            foreach ($a in @('-NoProfile', '-NonInteractive', '-File', (Join-Path $samples $Name)) + $Arguments + @('-ModulePath', $TestModuleManifest)) { $info.ArgumentList.Add($a) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.RedirectStandardInput = $true
            $process = [System.Diagnostics.Process]::Start($info)
            [pscustomobject]@{ Name = $Name; Process = $process; Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync() }
        }

        # Waits for a sample run (bounded) and returns its exit code and output.
        function Complete-Sample($Run, [int] $TimeoutSec = 60) {
            if (-not $Run.Process.WaitForExit($TimeoutSec * 1000)) {
                $Run.Process.Kill()
                throw "$($Run.Name) did not end within $TimeoutSec s."
            }
            [pscustomobject]@{ ExitCode = $Run.Process.ExitCode; Output = $Run.Stdout.Result + $Run.Stderr.Result }
        }

        $server = Start-NodeServer
        $printer = Start-NodeServer -Script octoprint-sim.js -ArgumentList '--autostart', '--print-seconds', '2', '--current-interval', '200'
        $watchedPrinter = Start-NodeServer -Script octoprint-sim.js -ArgumentList '--autostart', '--print-seconds', '2', '--current-interval', '200'
        # Not in TestDrive: Pester removes files created there when the Context running at the time ends.
        $taskLog = Join-Path ([System.IO.Path]::GetTempPath()) "socketio-sample-$([guid]::NewGuid().ToString('N')).log"

        $runs = @{
            AckOk       = Start-Sample send-and-ack.ps1 @('-Uri', $server.Uri, '-EventName', 'echo-ack', '-Json', '{"app":"shop","version":"1.4.2"}')
            AckError    = Start-Sample send-and-ack.ps1 @('-Uri', $server.Uri, '-EventName', 'echo-ack', '-Json', '{"error":"disk full"}')
            AckTimeout  = Start-Sample send-and-ack.ps1 @('-Uri', $server.Uri, '-EventName', 'no-ack', '-TimeoutSec', '1')
            AckRejected = Start-Sample send-and-ack.ps1 @('-Uri', $server.Uri, '-EventName', 'echo-ack', '-Token', 'bad')
            Watch       = Start-Sample watch-printer.ps1 @('-Uri', $watchedPrinter.Uri, '-ApiKey', 'test-api-key', '-RefreshSec', '1', '-DurationSec', '20', '-UntilJobEnds')
            TaskPrinter = Start-Sample wait-for-event-task.ps1 @('-OctoPrintUri', $printer.Uri, '-ApiKey', 'test-api-key', '-EventName', 'event:PrintDone,event:PrintFailed',
                '-LogPath', $taskLog, '-NotifyUri', $server.Uri, '-NotifyEvent', 'echo-ack', '-TimeoutSec', '30')
            TaskWelcome = Start-Sample wait-for-event-task.ps1 @('-Uri', "$($server.Uri)/?scenario=welcome", '-EventName', 'welcome', '-TimeoutSec', '10')
            TaskTimeout = Start-Sample wait-for-event-task.ps1 @('-Uri', $server.Uri, '-EventName', 'never', '-TimeoutSec', '1')
        }
    }

    AfterAll {
        foreach ($run in $runs.Values) { if (-not $run.Process.HasExited) { $run.Process.Kill() }; $run.Process.Dispose() }
        Stop-NodeServer $printer
        Stop-NodeServer $watchedPrinter
        Stop-TestEnvironment $server
        Remove-Item $taskLog -ErrorAction Ignore
    }

    Context 'send-and-ack.ps1 (automation)' {
        It 'exits 0 and writes the acknowledgement' {
            $r = Complete-Sample $runs.AckOk
            $r.ExitCode | Should -Be 0 -Because $r.Output
            $r.Output | Should -Match 'Acknowledged: \{"app":"shop","version":"1.4.2"\}'
        }

        It 'exits 1 when the server acknowledges with an error' {
            $r = Complete-Sample $runs.AckError
            $r.ExitCode | Should -Be 1 -Because $r.Output
        }

        It 'exits 2 when no acknowledgement comes in time' {
            $r = Complete-Sample $runs.AckTimeout
            $r.ExitCode | Should -Be 2 -Because $r.Output
            $r.Output | Should -Match "No acknowledgement for 'no-ack' within 1 s"
        }

        It 'exits 3 when the server rejects the connection' {
            $r = Complete-Sample $runs.AckRejected
            $r.ExitCode | Should -Be 3 -Because $r.Output
            $r.Output | Should -Match 'SocketIoConnectRejected'
        }
    }

    Context 'watch-printer.ps1 (interactive watcher)' {
        It 'refreshes the status table, shows the events as they happen, and ends with the job' {
            $r = Complete-Sample $runs.Watch
            $r.ExitCode | Should -Be 0 -Because $r.Output
            @([regex]::Matches($r.Output, '\[status\]')).Count | Should -BeGreaterOrEqual 2
            $r.Output | Should -Match 'Name\s+State\s+File\s+Progress'
            $r.Output | Should -Match 'Printing\s+benchy\.gcode'
            $r.Output | Should -Match '\[event\] .* PrintDone benchy\.gcode'
            $r.Output | Should -Match 'The job on .* ended: PrintDone'
            # The event line comes before the table that follows it: the handler ran while the script waited.
            $r.Output.IndexOf('PrintDone benchy.gcode') | Should -BeLessThan $r.Output.LastIndexOf('[status]')
        }
    }

    Context 'wait-for-event-task.ps1 (scheduled task)' {
        It 'waits for the printer''s PrintDone, logs the events meanwhile, notifies and exits 0' {
            $r = Complete-Sample $runs.TaskPrinter
            $r.ExitCode | Should -Be 0 -Because $r.Output
            $r.Output | Should -Match 'Got event:PrintDone'
            $r.Output | Should -Match 'Notified .* acknowledged: \{"source":'
            $log = Get-Content $taskLog
            # The -Action handler logged the print's events while Wait-SocketIoEvent waited.
            @($log | Where-Object { $_ -match ' event:ZChange ' }).Count | Should -BeGreaterThan 0
            ($log | Select-String ' event:PrintDone ').LineNumber | Should -BeGreaterThan ($log | Select-String ' event:ZChange ' | Select-Object -First 1).LineNumber
        }

        It 'finds an event that arrived right after connecting' {
            $r = Complete-Sample $runs.TaskWelcome
            $r.ExitCode | Should -Be 0 -Because $r.Output
            $r.Output | Should -Match 'Got welcome'
        }

        It 'exits 1 when the event does not come in time' {
            $r = Complete-Sample $runs.TaskTimeout
            $r.ExitCode | Should -Be 1 -Because $r.Output
            $r.Output | Should -Match 'No never within 1 s'
        }
    }
}
