Describe 'OctoPrint printer control (REST driven by push events)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        $apiKey = 'KEY' + [guid]::NewGuid().ToString('N')
        $servers = [System.Collections.Generic.List[object]]::new()
        function Start-Sim([string[]] $Arguments = @()) {
            $s = Start-NodeServer -Script octoprint-sim.js -ArgumentList (@('--current-interval', '100', '--print-seconds', '3', '--api-key', $apiKey) + $Arguments)
            $servers.Add($s)
            $s
        }
        function Get-SimState($Server) { Invoke-RestMethod -Uri "$($Server.Uri)/test/state" -TimeoutSec 5 }
        function Wait-SimReady($Server) {
            if (-not (Wait-Until { (Get-SimState $Server).print.stateId -eq 'OPERATIONAL' } -TimeoutSec 15 -IntervalMs 50)) { throw 'The simulated printer did not become ready.' }
        }
        # The error a call wrote (non-terminating) or threw.
        function Get-CallError([scriptblock] $ScriptBlock) {
            $errs = $null
            try { $null = & $ScriptBlock -ErrorAction SilentlyContinue -ErrorVariable +errs } catch { return $_ }
            if ($errs) { $errs[0] } else { $null }
        }

        $sim = Start-Sim
        $c = Connect-OctoPrint $sim.Uri -ApiKey $apiKey -Name 'mk4'
    }

    AfterAll {
        Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
        foreach ($s in $servers) { Stop-NodeServer $s }
    }

    Context 'The printer''s serial connection' {
        BeforeAll {
            $offline = Start-Sim '--printer-offline'
            $p = Connect-OctoPrint $offline.Uri -ApiKey $apiKey -Name 'offline'
        }

        It 'shows the printer Offline and sends nothing with -WhatIf' {
            $p.Status.State | Should -Be 'Offline'
            $before = (Get-SimState $offline).mutations
            Connect-OctoPrintPrinter $p -WhatIf
            (Get-SimState $offline).mutations | Should -Be $before
            (Get-SimState $offline).printer.connection | Should -Be 'Closed'
        }

        It 'refuses printer commands with 409 while Offline (OctoPrintRequestFailed with status and OctoPrint''s message)' {
            $err = Get-CallError { Set-OctoPrintTemperature $p -Tool 200 }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintRequestFailed,*'
            $err.Exception.StatusCode | Should -Be 409
            $err.Exception.ServerMessage | Should -Be 'Printer is not operational'
            $err.Exception.Message | Should -BeLike '*HTTP 409*Printer is not operational*'
            "$err" | Should -BeLike 'offline: *409*Printer is not operational*'
            $err.TargetObject | Should -Be $p
        }

        It 'connects the printer and -Wait returns once OctoPrint reports Connected' {
            $status = Connect-OctoPrintPrinter $p -Port VIRTUAL -BaudRate 250000 -Wait -PassThru -TimeoutSec 10
            $status | Should -BeOfType ([SocketIo.OctoPrintStatus])
            (Receive-SocketIoEvent $p 'event:Connected' -Count 1 -TimeoutSec 5).Data.payload.port | Should -Be 'VIRTUAL'
            $state = Get-SimState $offline
            $state.printer.connection | Should -Be 'Operational'
            $state.printer.port | Should -Be 'VIRTUAL'
            $state.printer.baudrate | Should -Be 250000
        }

        It 'leaves a connected printer alone unless -Force' {
            Wait-Until { $p.Status.Operational } | Should -BeTrue
            $before = (Get-SimState $offline).mutations
            Connect-OctoPrintPrinter $p
            (Get-SimState $offline).mutations | Should -Be $before
        }

        It 'disconnects the printer with -Wait' {
            Disconnect-OctoPrintPrinter $p -Wait -TimeoutSec 10
            (Get-SimState $offline).printer.connection | Should -Be 'Closed'
            Wait-Until { $p.Status.State -eq 'Offline' } | Should -BeTrue
        }
    }

    Context 'Temperatures, homing and G-code' {
        It 'sends nothing with -WhatIf' {
            $before = Get-SimState $sim
            Set-OctoPrintTemperature $c -Tool 210 -Bed 55 -WhatIf
            Invoke-OctoPrintHome $c -WhatIf
            'G28', 'M117 x' | Send-OctoPrintGcode $c -WhatIf
            $after = Get-SimState $sim
            $after.mutations | Should -Be $before.mutations
            $after.printer.toolTarget | Should -Be 0
            $after.printer.homeCount | Should -Be $before.printer.homeCount
        }

        It 'heats with -Wait until every heater is within -Tolerance of its target (push-driven)' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $status = Set-OctoPrintTemperature $c -Tool 200 -Bed 50 -Wait -Tolerance 3 -TimeoutSec 20 -PassThru
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
            $status.Temperatures['tool0'].Target | Should -Be 200
            [math]::Abs($status.Temperatures['tool0'].Actual - 200) | Should -BeLessOrEqual 3
            [math]::Abs($status.Temperatures['bed'].Actual - 50) | Should -BeLessOrEqual 3
            $state = Get-SimState $sim
            $state.printer.toolTarget | Should -Be 200
            $state.printer.bedTarget | Should -Be 50
            $state.printer.gcode | Should -Contain 'M104 T0 S200'
        }

        It 'turns heaters off (-Tool 0 -Bed 0 -Wait waits for the new targets only)' {
            Set-OctoPrintTemperature $c -Tool 0 -Bed 0 -Wait -TimeoutSec 10
            (Get-SimState $sim).printer.toolTarget | Should -Be 0
            $c.Status.ToolTarget | Should -Be 0
        }

        It 'fails -Wait with OctoPrintWaitTimeout when the target is not reached in time' {
            $err = Get-CallError { Set-OctoPrintTemperature $c -Bed 90 -Wait -TimeoutSec 1 -Tolerance 0.1 }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintWaitTimeout,*'
            "$err" | Should -BeLike 'mk4: *within 1 s*'
            Set-OctoPrintTemperature $c -Bed 0
        }

        It 'stops a -Wait promptly on Ctrl+C' {
            $shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
            try {
                $null = $shell.AddScript({
                        param($manifest, $uri, $key)
                        Import-Module $manifest
                        $p = Connect-OctoPrint $uri -ApiKey $key -Name 'nested'
                        Set-OctoPrintTemperature $p -Bed 95 -Wait -Tolerance 0.1 -TimeoutSec 120
                    }).AddArgument($TestModuleManifest).AddArgument($sim.Uri).AddArgument($apiKey)
                $async = $shell.BeginInvoke()
                # A progress record means the cmdlet is in its wait loop.
                Wait-Until { @($shell.Streams.Progress | Where-Object Activity -eq 'Waiting for temperatures').Count -ge 1 } -TimeoutSec 15 | Should -BeTrue
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $stop = $shell.BeginStop($null, $null)
                $stop.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
                $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $shell.Dispose() }
            Set-OctoPrintTemperature $c -Bed 0
        }

        It 'asks for -Tool or -Bed' {
            (Get-CallError { Set-OctoPrintTemperature $c }).FullyQualifiedErrorId | Should -BeLike 'SocketIoParameterConflict,*'
        }

        It 'homes the given axes and sends G-code lines from the pipeline (one request, comments left out)' {
            Invoke-OctoPrintHome $c -Axis x, y
            @('; start', 'M117 hello', '', 'G1 X10 ; move') | Send-OctoPrintGcode -Connection $c
            $gcode = (Get-SimState $sim).printer.gcode
            $gcode[-3..-1] | Should -Be @('G28 X0 Y0', 'M117 hello', 'G1 X10 ; move')
            (Get-SimState $sim).printer.homeCount | Should -BeGreaterOrEqual 1
        }
    }

    Context 'Jobs' {
        BeforeEach { Wait-SimReady $sim }

        It 'refuses to start without a selected file (OctoPrintNoFileSelected; OctoPrint would do nothing)' {
            $err = Get-CallError { Start-OctoPrintJob $c }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintNoFileSelected,*'
            (Get-SimState $sim).print.printsStarted | Should -Be 0
        }

        It 'selects a file, and Start-OctoPrintJob -WhatIf starts nothing' {
            $job = Select-OctoPrintFile $c benchy.gcode -PassThru
            $job | Should -BeOfType ([SocketIo.OctoPrintJob])
            $job.File | Should -Be 'benchy.gcode'
            $job.Name | Should -Be 'mk4'
            Start-OctoPrintJob $c -WhatIf
            (Get-SimState $sim).print.printsStarted | Should -Be 0
        }

        It 'starts, pauses, resumes, restarts and cancels, each -Wait on its push event' {
            $job = Start-OctoPrintJob $c -Wait -PassThru -TimeoutSec 10
            $job.State | Should -Be 'Printing'
            (Get-SimState $sim).print.printsStarted | Should -Be 1

            # While printing: a second start, homing and a plain disconnect are refused.
            $again = Get-CallError { Start-OctoPrintJob $c }
            $again.FullyQualifiedErrorId | Should -BeLike 'OctoPrintRequestFailed,*'
            $again.Exception.StatusCode | Should -Be 409
            $again.Exception.ServerMessage | Should -BeLike '*already has an active print job*'
            (Get-CallError { Invoke-OctoPrintHome $c }).Exception.StatusCode | Should -Be 409
            (Get-CallError { Disconnect-OctoPrintPrinter $c }).FullyQualifiedErrorId | Should -BeLike 'OctoPrintPrinterBusy,*'

            (Suspend-OctoPrintJob $c -Wait -PassThru).State | Should -Be 'Paused'
            (Resume-OctoPrintJob $c -Wait -PassThru).State | Should -Be 'Printing'
            Suspend-OctoPrintJob $c -Wait
            Restart-OctoPrintJob $c -Confirm:$false -Wait
            (Get-SimState $sim).print.printsStarted | Should -Be 2

            Stop-OctoPrintJob $c -WhatIf
            (Get-SimState $sim).print.stateId | Should -Be 'PRINTING'
            $result = Stop-OctoPrintJob $c -Confirm:$false -Wait
            $result | Should -BeOfType ([SocketIo.OctoPrintJobResult])
            $result.Outcome | Should -Be 'Cancelled'
            $result.ExitCode | Should -Be 2
            $result.Name | Should -Be 'mk4'
            (Get-SimState $sim).print.lastResult | Should -Be 'cancelled'
        }

        It 'refuses a restart while not paused with OctoPrint''s 409' {
            $err = Get-CallError { Restart-OctoPrintJob $c -Confirm:$false }
            $err.Exception.StatusCode | Should -Be 409
            $err.Exception.ServerMessage | Should -Be 'Printer does not have an active print job or is not paused'
        }

        It 'shows the job in a table (Get-OctoPrintJob; all connections without -Connection)' {
            $job = @(Get-OctoPrintJob | Where-Object Name -eq 'mk4')
            $job | Should -HaveCount 1
            $job[0].File | Should -Be 'benchy.gcode'
            $table = $job | Format-Table | Out-String -Width 200
            foreach ($column in 'Name', 'State', 'File', 'Progress', 'PrintTime', 'TimeLeft') { $table | Should -Match "\b$column\b" }
            $table | Should -Match 'mk4\s+Operational\s+benchy\.gcode'
        }

        It 'marks deleting and cancelling as high impact, the rest as medium or lower' {
            foreach ($name in 'Stop-OctoPrintJob', 'Restart-OctoPrintJob', 'Remove-OctoPrintFile') {
                $attribute = (Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
                $attribute.ConfirmImpact | Should -Be 'High' -Because $name
            }
            foreach ($name in 'Connect-OctoPrintPrinter', 'Disconnect-OctoPrintPrinter', 'Set-OctoPrintTemperature', 'Invoke-OctoPrintHome', 'Send-OctoPrintGcode',
                'Start-OctoPrintJob', 'Suspend-OctoPrintJob', 'Resume-OctoPrintJob', 'Send-OctoPrintFile', 'Select-OctoPrintFile', 'New-OctoPrintFolder') {
                (Get-Command $name).Parameters.Keys | Should -Contain 'WhatIf' -Because $name
            }
        }
    }

    Context 'Files' {
        BeforeAll {
            $work = Join-Path ([System.IO.Path]::GetTempPath()) ("opfiles-" + [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $work
            $cube = Join-Path $work 'cube.gcode'
            Set-Content -Path $cube -Value ("G1 X10 Y10 E0.5`n" * 40000) -NoNewline
        }

        AfterAll { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }

        BeforeEach { Wait-SimReady $sim }

        It 'uploads nothing with -WhatIf' {
            Send-OctoPrintFile $c $cube -WhatIf
            (Get-SimState $sim).files.path | Should -Not -Contain 'cube.gcode'
        }

        It 'uploads with progress into a folder, selects it with -Select -Wait, and writes the file' {
            $shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
            try {
                $null = $shell.AddScript({
                        param($manifest, $uri, $key, $file)
                        $ErrorActionPreference = 'Stop'
                        Import-Module $manifest
                        $p = Connect-OctoPrint $uri -ApiKey $key -Name 'nested'
                        Send-OctoPrintFile $p $file -Destination 'parts/small' -Select -Wait -TimeoutSec 10
                        Disconnect-SocketIo $p
                    }).AddArgument($TestModuleManifest).AddArgument($sim.Uri).AddArgument($apiKey).AddArgument($cube)
                $output = $shell.Invoke()
                $shell.HadErrors | Should -BeFalse
                $output | Should -HaveCount 1
                $file = $output[0].psobject.BaseObject
                $file | Should -BeOfType ([SocketIo.OctoPrintFile])
                $file.Path | Should -Be 'parts/small/cube.gcode'
                $file.Origin | Should -Be 'local'
                $file.Printer | Should -Be 'nested'
                $file.Size | Should -Be (Get-Item $cube).Length
                $progress = @($shell.Streams.Progress)
                @($progress | Where-Object { $_.Activity -like 'Uploading cube.gcode*' -and $_.PercentComplete -ge 0 }).Count | Should -BeGreaterThan 0
                $progress[-1].RecordType | Should -Be 'Completed'
            }
            finally { $shell.Dispose() }
            $state = Get-SimState $sim
            $state.files.path | Should -Contain 'parts/small/cube.gcode'
            $state.printer.selected | Should -Be 'parts/small/cube.gcode'
        }

        It 'does not replace an existing file without -Force (OctoPrint''s 409)' {
            $err = Get-CallError { Send-OctoPrintFile $c $cube -Destination parts/small }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintRequestFailed,*'
            $err.Exception.StatusCode | Should -Be 409
            $err.Exception.ServerMessage | Should -Be 'File already exists and noOverwrite was set'
            (Send-OctoPrintFile $c $cube -Destination parts/small -Force).Path | Should -Be 'parts/small/cube.gcode'
        }

        It 'creates folders and lists everything recursively as pipeline-friendly objects' {
            $folder = New-OctoPrintFolder $c 'parts/empty'
            $folder.IsFolder | Should -BeTrue
            $folder.Path | Should -Be 'parts/empty'
            $files = @(Get-OctoPrintFile $c)
            ($files.Path | Sort-Object) | Should -Be @('benchy.gcode', 'parts', 'parts/empty', 'parts/small', 'parts/small/cube.gcode')
            foreach ($f in $files) {
                $f.Connection | Should -Be $c
                $f.Printer | Should -Be 'mk4'
                $f.Origin | Should -Be 'local'
            }
            @(Get-OctoPrintFile $c -File).Path | Should -Be @('benchy.gcode', 'parts/small/cube.gcode')
            @(Get-OctoPrintFile $c -Folder).Count | Should -Be 3
            @(Get-OctoPrintFile $c -Path '*.GCODE').Count | Should -Be 2
            $table = Get-OctoPrintFile $c -Path benchy.gcode | Format-Table | Out-String -Width 200
            $table | Should -Match 'mk4\s+local\s+machinecode\s+1468987\s+.*benchy\.gcode'
            (Get-CallError { Get-OctoPrintFile $c -Path nope.gcode }).FullyQualifiedErrorId | Should -BeLike 'OctoPrintFileNotFound,*'
        }

        It 'selects and prints a file from the pipeline (Connection, Path, Origin by property name)' {
            Get-OctoPrintFile $c -Path parts/small/cube.gcode | Select-OctoPrintFile -Print -Wait -TimeoutSec 10
            (Get-SimState $sim).print.stateId | Should -Be 'PRINTING'
            (Get-SimState $sim).print.file | Should -Be 'cube.gcode'
            # The file in use cannot be deleted: OctoPrint's 409.
            $err = Get-CallError { Remove-OctoPrintFile $c parts/small/cube.gcode -Confirm:$false }
            $err.Exception.StatusCode | Should -Be 409
            $err.Exception.ServerMessage | Should -Be 'Trying to delete a file that is currently in use'
            $result = Wait-OctoPrintJob $c -TimeoutSec 15
            $result.Outcome | Should -Be 'Done'
            $result.File | Should -Be 'cube.gcode'
        }

        It 'removes what Get-OctoPrintFile | Where-Object selects, and nothing with -WhatIf' {
            Get-OctoPrintFile $c | Where-Object Path -like 'parts/*' | Remove-OctoPrintFile -WhatIf
            (Get-SimState $sim).files.path | Should -Contain 'parts/small/cube.gcode'
            Get-OctoPrintFile $c -File | Where-Object Path -like 'parts/*' | Remove-OctoPrintFile -Confirm:$false
            (Get-SimState $sim).files.path | Should -Be @('benchy.gcode', 'parts', 'parts/empty', 'parts/small')
            Get-OctoPrintFile $c -Path parts | Remove-OctoPrintFile -Confirm:$false
            (Get-SimState $sim).files.path | Should -Be @('benchy.gcode')
        }

        It 'fails with OctoPrint''s 404 for an unknown file' {
            $err = Get-CallError { Remove-OctoPrintFile $c missing.gcode -Confirm:$false }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintRequestFailed,*'
            $err.Exception.StatusCode | Should -Be 404
            (Get-CallError { Select-OctoPrintFile $c missing.gcode }).Exception.StatusCode | Should -Be 404
        }
    }

    Context 'Authentication on REST requests' {
        It 'answers a rotated API key with OctoPrintRequestFailed 403' {
            $other = Start-Sim
            $o = Connect-OctoPrint $other.Uri -ApiKey $apiKey -Name 'rotated'
            $null = Invoke-RestMethod -Method Post -Uri "$($other.Uri)/test/api-key?key=another-key" -TimeoutSec 5
            $err = Get-CallError { Get-OctoPrintJob $o }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintRequestFailed,*'
            $err.Exception.StatusCode | Should -Be 403
            "$err" | Should -BeLike 'rotated: *403*'
            "$err" | Should -Not -Match $apiKey
            Disconnect-SocketIo $o
        }

        It 'logs a credential user in again when the session expired, and the request succeeds' {
            $other = Start-Sim '--password', 'pw-42'
            $credential = [pscredential]::new('admin', (ConvertTo-SecureString 'pw-42' -AsPlainText -Force))
            $o = Connect-OctoPrint $other.Uri -Credential $credential -Name 'cred'
            $null = Invoke-RestMethod -Method Post -Uri "$($other.Uri)/test/expire-sessions" -TimeoutSec 5
            Set-OctoPrintTemperature $o -Bed 42
            (Get-SimState $other).printer.bedTarget | Should -Be 42
            Disconnect-SocketIo $o
        }
    }
}
