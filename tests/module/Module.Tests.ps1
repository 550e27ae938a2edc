Describe 'The SocketIo module' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        # Every exported cmdlet, sorted (ordinal, as Sort-Object sorts these names).
        $expected = @(
            'Connect-OctoPrint'
            'Connect-OctoPrintPrinter'
            'Connect-SocketIo'
            'Disconnect-OctoPrintPrinter'
            'Disconnect-SocketIo'
            'Get-OctoPrintFile'
            'Get-OctoPrintJob'
            'Get-OctoPrintSavedPrinter'
            'Get-OctoPrintStatus'
            'Get-SocketIoConnection'
            'Invoke-OctoPrintHome'
            'New-OctoPrintFolder'
            'New-OctoPrintSavedPrinter'
            'Receive-SocketIoEvent'
            'Register-SocketIoEvent'
            'Remove-OctoPrintFile'
            'Remove-OctoPrintSavedPrinter'
            'Restart-OctoPrintJob'
            'Resume-OctoPrintJob'
            'Select-OctoPrintFile'
            'Send-OctoPrintFile'
            'Send-OctoPrintGcode'
            'Send-SocketIoEvent'
            'Set-OctoPrintTemperature'
            'Start-OctoPrintJob'
            'Stop-OctoPrintJob'
            'Suspend-OctoPrintJob'
            'Wait-OctoPrintJob'
            'Wait-SocketIoEvent'
        ) | Sort-Object
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    It 'exports exactly its cmdlets' {
        $names = Get-Command -Module SocketIo | Sort-Object Name | ForEach-Object Name
        $names | Should -Be $expected
        Get-Command -Module SocketIo | ForEach-Object CommandType | Sort-Object -Unique | Should -Be 'Cmdlet'
    }

    It 'has a valid manifest in the laid-out module' {
        $manifest = Test-ModuleManifest -Path $TestModuleManifest -ErrorAction Stop
        $manifest.Name | Should -Be 'SocketIo'
        $manifest.RootModule | Should -Be 'SocketIo.PowerShell.dll'
        $manifest.ExportedCmdlets.Keys | Sort-Object | Should -Be $expected
        # Every cmdlet class in the assembly is exported, and nothing else.
        $assembly = [SocketIo.SocketIoMessage].Assembly
        $declared = $assembly.GetTypes() | ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" } | Sort-Object
        $declared | Should -Be ($manifest.ExportedCmdlets.Keys | Sort-Object)
    }

    It 'is compatible with both Desktop and Core editions' {
        $manifest = Test-ModuleManifest -Path $TestModuleManifest -ErrorAction Stop
        $manifest.CompatiblePSEditions | Sort-Object | Should -Be @('Core', 'Desktop')
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
    }

    It 'exposes the public types' {
        [SocketIo.SocketIoConnection].IsSubclassOf([SocketIo.Connection]) | Should -BeTrue
        [SocketIo.SocketIoMessage].GetMethod('Acknowledge') | Should -Not -BeNullOrEmpty
    }

    It 'closes a runspace''s connections when that runspace closes, without delaying it' {
        $before = (Get-NodeServerStats $server).sockets
        $nested = New-NestedSession -Uri $server.Uri
        $nestedConnection = $nested.Connection
        try {
            $nestedConnection.State | Should -Be 'Connected'
            Wait-Until { (Get-NodeServerStats $server).sockets -eq $before + 1 } | Should -BeTrue
            # The outer runspace's registry does not see another runspace's connections.
            Get-SocketIoConnection | Where-Object Id -eq $nestedConnection.Id | Should -BeNullOrEmpty
        }
        finally {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $nested.Shell.Dispose()
            $clock.Stop()
        }
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
        Wait-Until { $nestedConnection.State -eq 'Disconnected' } | Should -BeTrue
        Wait-Until { (Get-NodeServerStats $server).sockets -eq $before } | Should -BeTrue
    }
}
