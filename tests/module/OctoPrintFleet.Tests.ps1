Describe 'OctoPrint fleets, saved printers and the scheduled-task sample' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        $apiKey = 'KEY' + [guid]::NewGuid().ToString('N')
        $simArgs = @('--current-interval', '100', '--api-key', $apiKey)
        $a = Start-NodeServer -Script octoprint-sim.js -ArgumentList ($simArgs + @('--print-seconds', '1'))
        $b = Start-NodeServer -Script octoprint-sim.js -ArgumentList ($simArgs + @('--print-seconds', '3'))
        function Get-SimState($Server) { Invoke-RestMethod -Uri "$($Server.Uri)/test/state" -TimeoutSec 5 }
        function Wait-SimReady($Server) {
            if (-not (Wait-Until { (Get-SimState $Server).print.stateId -eq 'OPERATIONAL' } -TimeoutSec 15 -IntervalMs 50)) { throw 'The simulated printer did not become ready.' }
        }
        function Get-CallError([scriptblock] $ScriptBlock) {
            $errs = $null
            try { $null = & $ScriptBlock -ErrorAction SilentlyContinue -ErrorVariable +errs } catch { return $_ }
            if ($errs) { $errs[0] } else { $null }
        }

        $work = Join-Path ([System.IO.Path]::GetTempPath()) ("opfleet-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $work
        $gcode = Join-Path $work 'plate.gcode'
        Set-Content -Path $gcode -Value "G28`nG1 X10 Y10`n"
        $savedEnvBefore = $env:SOCKETIO_OCTOPRINT_PRINTERS
        $env:SOCKETIO_OCTOPRINT_PRINTERS = Join-Path $work 'saved/printers.json'
    }

    AfterAll {
        Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
        $env:SOCKETIO_OCTOPRINT_PRINTERS = $savedEnvBefore
        Remove-Item Env:OPFLEET_KEY -ErrorAction SilentlyContinue
        Remove-Item Function:Get-Secret -ErrorAction SilentlyContinue
        Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
        Stop-NodeServer $a
        Stop-NodeServer $b
    }

    Context 'Many printers from the pipeline' {
        AfterEach { Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue }

        It 'connects objects with Uri, ApiKey and Name (bound by property name), in input order' {
            $fleet = @(
                [pscustomobject]@{ Uri = $a.Uri; ApiKey = $apiKey; Name = 'mk4' }
                [pscustomobject]@{ Uri = $b.Uri; ApiKey = $apiKey; Name = 'prusa' }
            ) | Connect-OctoPrint
            $fleet | Should -HaveCount 2
            $fleet.Name | Should -Be @('mk4', 'prusa')
            foreach ($p in $fleet) { $p.State | Should -Be 'Connected' }
        }

        It 'connects URI strings with one shared -ApiKey' {
            $fleet = $a.Uri, $b.Uri | Connect-OctoPrint -ApiKey $apiKey
            $fleet | Should -HaveCount 2
            $fleet.Uri.Port | Should -Be @($a.Port, $b.Port)
            $fleet.Name | Should -Be @('127.0.0.1', '127.0.0.1')
        }

        It 'reports a printer that fails as an error of its own and connects the others' {
            $fleet = @(
                [pscustomobject]@{ Uri = $a.Uri; ApiKey = 'wrong-key'; Name = 'bad' }
                [pscustomobject]@{ Uri = $b.Uri; ApiKey = $apiKey; Name = 'good' }
            ) | Connect-OctoPrint -ErrorAction SilentlyContinue -ErrorVariable failures
            $fleet.Name | Should -Be 'good'
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'OctoPrintLoginFailed,*'
            "$($failures[0])" | Should -BeLike 'bad: *'
        }

        It 'keeps a single printer''s failure terminating' {
            $err = Get-ThrownError { Connect-OctoPrint $a.Uri -ApiKey 'wrong-key' }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintLoginFailed,*'
        }
    }

    Context 'A fleet at work' {
        BeforeAll {
            $fleet = @(
                [pscustomobject]@{ Uri = $a.Uri; ApiKey = $apiKey; Name = 'mk4' }
                [pscustomobject]@{ Uri = $b.Uri; ApiKey = $apiKey; Name = 'prusa' }
            ) | Connect-OctoPrint
        }

        AfterAll { $fleet | Disconnect-SocketIo -ErrorAction SilentlyContinue }

        BeforeEach { Wait-SimReady $a; Wait-SimReady $b }

        It 'shows one status table across the printers, each row with its name' {
            $table = Get-OctoPrintStatus | Format-Table | Out-String -Width 200
            $table | Should -Match '(?m)^mk4\s+Operational'
            $table | Should -Match '(?m)^prusa\s+Operational'
        }

        It 'shows the printer''s name on every message' {
            $messages = @(Receive-SocketIoEvent $fleet current -Count 4 -TimeoutSec 10)
            ($messages.Connection.Name | Sort-Object -Unique) | Should -Be @('mk4', 'prusa')
            $table = $messages | Format-Table | Out-String -Width 200
            $table | Should -Match '\smk4\s+current'
            $table | Should -Match '\sprusa\s+current'
        }

        It 'heats every printer at once with -Wait' {
            Set-OctoPrintTemperature $fleet -Bed 45 -Wait -Tolerance 3 -TimeoutSec 20
            (Get-SimState $a).printer.bedTarget | Should -Be 45
            (Get-SimState $b).printer.bedTarget | Should -Be 45
            Set-OctoPrintTemperature $fleet -Bed 0
        }

        It 'waits for any job to end (-Any): the first one' {
            $files = Send-OctoPrintFile $fleet $gcode -Print -Force -Wait
            $files.Printer | Should -Be @('mk4', 'prusa')
            $first = @(Wait-OctoPrintJob $fleet -Any -TimeoutSec 20)
            $first | Should -HaveCount 1
            $first[0].Name | Should -Be 'mk4'   # 1 s against 3 s
            $first[0].Outcome | Should -Be 'Done'
            $null = Wait-OctoPrintJob $fleet[1] -TimeoutSec 20
        }

        It 'waits for all jobs to end (-All, from the pipeline): one result per printer' {
            $null = Send-OctoPrintFile $fleet $gcode -Print -Force -Wait
            $results = @($fleet | Wait-OctoPrintJob -All -TimeoutSec 20)
            $results | Should -HaveCount 2
            ($results.Name | Sort-Object) | Should -Be @('mk4', 'prusa')
            foreach ($r in $results) {
                $r.Outcome | Should -Be 'Done'
                $r.File | Should -Be 'plate.gcode'
                $r.Connection | Should -BeIn $fleet
            }
        }

        It 'times out per printer still printing' {
            $null = Send-OctoPrintFile $fleet[1] $gcode -Print -Force -Wait
            $output = Wait-OctoPrintJob $fleet -TimeoutSec 1 -ErrorAction SilentlyContinue -ErrorVariable waitErrors
            $output | Should -BeNullOrEmpty
            $waitErrors | Should -HaveCount 2
            foreach ($e in $waitErrors) { $e.FullyQualifiedErrorId | Should -BeLike 'OctoPrintWaitTimeout,*' }
            $null = Wait-OctoPrintJob $fleet[1] -TimeoutSec 20
        }

        It 'lists the files of every printer' {
            $files = @(Get-OctoPrintFile -Path plate.gcode)
            ($files.Printer | Sort-Object) | Should -Be @('mk4', 'prusa')
        }
    }

    Context 'Saved printers' {
        AfterEach {
            Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
            if (Test-Path $env:SOCKETIO_OCTOPRINT_PRINTERS) { Remove-Item $env:SOCKETIO_OCTOPRINT_PRINTERS }
        }

        # Only where no data protection exists (not Windows): there the key is DPAPI-protected instead.
        if (-not $IsWindows -and $PSVersionTable.PSEdition -ne 'Desktop') {
            It 'refuses to store an API key where no data protection exists, and says why' {
                $err = Get-ThrownError { New-OctoPrintSavedPrinter -Name mk4 -Uri $a.Uri -ApiKey $apiKey }
                $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintKeyProtectionUnavailable,*'
                $err.Exception.Message | Should -BeLike '*only obfuscate*'
                $err.Exception.Message | Should -BeLike '*-ApiKeyEnvironmentVariable*'
                Test-Path $env:SOCKETIO_OCTOPRINT_PRINTERS | Should -BeFalse
            }
        }

        It 'saves an environment variable''s name, never the key, and connects with -Saved' {
            $env:OPFLEET_KEY = $apiKey
            $saved = New-OctoPrintSavedPrinter -Name mk4 -Uri $a.Uri -ApiKeyEnvironmentVariable OPFLEET_KEY
            $saved.KeySource | Should -Be 'EnvironmentVariable'
            $saved.Name | Should -Be 'mk4'
            $text = Get-Content $env:SOCKETIO_OCTOPRINT_PRINTERS -Raw
            $text | Should -Match 'OPFLEET_KEY'
            $text.Contains($apiKey) | Should -BeFalse

            $c = Connect-OctoPrint -Saved mk4
            $c.State | Should -Be 'Connected'
            $c.Name | Should -Be 'mk4'
            $c.Uri.Port | Should -Be $a.Port
        }

        It 'lists, connects from the pipeline, replaces only with -Force, and forgets' {
            $env:OPFLEET_KEY = $apiKey
            $null = New-OctoPrintSavedPrinter mk4 $a.Uri -ApiKeyEnvironmentVariable OPFLEET_KEY
            $null = New-OctoPrintSavedPrinter prusa $b.Uri -ApiKeyEnvironmentVariable OPFLEET_KEY
            (Get-OctoPrintSavedPrinter).Name | Should -Be @('mk4', 'prusa')
            (Get-OctoPrintSavedPrinter -Name 'pru*').Name | Should -Be 'prusa'
            (Get-OctoPrintSavedPrinter | Format-Table | Out-String -Width 200) | Should -Match 'mk4\s+EnvironmentVariable\s+\$env:OPFLEET_KEY'

            $fleet = Get-OctoPrintSavedPrinter | Connect-OctoPrint
            $fleet.Name | Should -Be @('mk4', 'prusa')
            (Connect-OctoPrint -Saved '*').Count | Should -Be 2

            (Get-ThrownError { New-OctoPrintSavedPrinter mk4 $b.Uri -ApiKeyEnvironmentVariable OPFLEET_KEY }).FullyQualifiedErrorId |
                Should -BeLike 'OctoPrintSavedPrinterExists,*'
            (New-OctoPrintSavedPrinter mk4 $b.Uri -ApiKeyEnvironmentVariable OPFLEET_KEY -Force).Uri.Port | Should -Be $b.Port

            Remove-OctoPrintSavedPrinter mk4 -WhatIf
            (Get-OctoPrintSavedPrinter).Name | Should -Be @('mk4', 'prusa')
            Get-OctoPrintSavedPrinter prusa | Remove-OctoPrintSavedPrinter
            (Get-OctoPrintSavedPrinter).Name | Should -Be 'mk4'
            (Get-CallError { Get-OctoPrintSavedPrinter prusa }).FullyQualifiedErrorId | Should -BeLike 'OctoPrintSavedPrinterNotFound,*'
        }

        It 'fails with OctoPrintApiKeyUnavailable when the environment variable is not set' {
            $null = New-OctoPrintSavedPrinter mk4 $a.Uri -ApiKeyEnvironmentVariable OPFLEET_UNSET_KEY
            $err = Get-ThrownError { Connect-OctoPrint -Saved mk4 }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintApiKeyUnavailable,*'
            $err.Exception.Message | Should -BeLike '*OPFLEET_UNSET_KEY*'
        }

        It 'takes the key from SecretManagement''s Get-Secret when asked to' {
            (Get-ThrownError { New-OctoPrintSavedPrinter mk4 $a.Uri -ApiKeySecret printer-key }).FullyQualifiedErrorId |
                Should -BeLike 'OctoPrintSecretManagementMissing,*'
            # A stand-in for Microsoft.PowerShell.SecretManagement's Get-Secret (the module is not installed here).
            $script:secretKey = $apiKey
            function global:Get-Secret {
                param([string] $Name, [string] $Vault)
                if ($Name -ne 'printer-key' -or $Vault -ne 'store') { throw "no secret $Vault/$Name" }
                ConvertTo-SecureString $script:secretKey -AsPlainText -Force
            }
            try {
                $saved = New-OctoPrintSavedPrinter mk4 $a.Uri -ApiKeySecret printer-key -Vault store
                $saved.KeySource | Should -Be 'SecretManagement'
                (Get-Content $env:SOCKETIO_OCTOPRINT_PRINTERS -Raw).Contains($apiKey) | Should -BeFalse
                (Connect-OctoPrint -Saved mk4).State | Should -Be 'Connected'
            }
            finally { Remove-Item Function:Get-Secret }
        }
    }

    Context 'The scheduled-task sample (samples/print-and-report.ps1)' {
        BeforeAll {
            $sample = Join-Path $PSScriptRoot '../../samples/print-and-report.ps1'
            $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
            function Invoke-Sample([string] $Uri, [string] $Key) {
                $env:OCTOPRINT_API_KEY = $Key
                try { $output = & $pwsh -NoProfile -NonInteractive -File $sample -Uri $Uri -Path $gcode -TimeoutSec 30 -ModulePath $TestModuleManifest 2>&1 }
                finally { Remove-Item Env:OCTOPRINT_API_KEY -ErrorAction SilentlyContinue }
                [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
            }
        }

        It 'uploads, prints with -Wait, reports Done and exits 0' {
            Wait-SimReady $a
            $run = Invoke-Sample $a.Uri $apiKey
            $run.Output | Should -Match 'Uploaded scheduled/plate\.gcode'
            $run.Output | Should -Match 'Print of plate\.gcode on 127\.0\.0\.1: Done'
            $run.ExitCode | Should -Be 0
            (Get-SimState $a).files.path | Should -Contain 'scheduled/plate.gcode'
            $run.Output.Contains($apiKey) | Should -BeFalse
        }

        It 'exits 1 when the print fails' {
            $failing = Start-NodeServer -Script octoprint-sim.js -ArgumentList ($simArgs + @('--print-seconds', '1', '--fail'))
            try {
                $run = Invoke-Sample $failing.Uri $apiKey
                $run.Output | Should -Match 'Failed'
                $run.ExitCode | Should -Be 1
            }
            finally { Stop-NodeServer $failing }
        }

        It 'exits 3 when it cannot start (a wrong key)' {
            $run = Invoke-Sample $a.Uri 'wrong-key'
            $run.Output | Should -Match 'Could not print'
            $run.ExitCode | Should -Be 3
        }
    }
}
