Describe 'Ctrl+C (PowerShell.Stop) interrupts blocking cmdlets' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer

        # Stops the nested pipeline and returns how long Stop took (bounded: $null when it did not stop in 10 s).
        function Measure-Stop([powershell] $Shell) {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $stop = $Shell.BeginStop($null, $null)
            $stopped = $stop.AsyncWaitHandle.WaitOne(10000)
            $clock.Stop()
            if ($stopped) { $Shell.EndStop($stop); $clock.Elapsed } else { $null }
        }
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    It 'stops Receive-SocketIoEvent without -Count or -TimeoutSec promptly' {
        $nested = New-NestedSession -Uri $server.Uri
        try {
            $connection = $nested.Connection
            $seen = [System.Collections.Concurrent.ConcurrentQueue[object]]::new()
            $null = $nested.Shell.AddScript({
                    param($seen)
                    Receive-SocketIoEvent $global:c | ForEach-Object { $seen.Enqueue($_.Data) }
                }).AddArgument($seen)
            $async = $nested.Shell.BeginInvoke()
            Wait-Until { $nested.Shell.InvocationStateInfo.State -eq 'Running' } | Should -BeTrue
            # One message through proves the reader is in its loop; then it waits for more.
            Send-SocketIoEvent $connection echo -Data 'first'
            Wait-Until { $seen.Count -ge 1 } | Should -BeTrue
            $async.IsCompleted | Should -BeFalse

            $elapsed = Measure-Stop $nested.Shell
            $elapsed | Should -Not -BeNullOrEmpty -Because 'Stop() must return'
            $elapsed.TotalSeconds | Should -BeLessThan 3
            $nested.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $connection.State | Should -Be 'Connected'   # stopping a read does not close the connection
        }
        finally { $nested.Shell.Dispose() }
    }

    It 'stops Send-SocketIoEvent -Ack -TimeoutSec 60 waiting for an ack that never comes' {
        $nested = New-NestedSession -Uri $server.Uri
        try {
            $connection = $nested.Connection
            $null = $nested.Shell.AddScript({ Send-SocketIoEvent $global:c no-ack -Data 1 -Ack -TimeoutSec 60 })
            $async = $nested.Shell.BeginInvoke()
            Wait-Until { $nested.Shell.InvocationStateInfo.State -eq 'Running' } | Should -BeTrue
            # The emit went out: the cmdlet is now waiting for the acknowledgement.
            Wait-Until { $connection.EventsSent -ge 1 } | Should -BeTrue
            $async.IsCompleted | Should -BeFalse

            $elapsed = Measure-Stop $nested.Shell
            $elapsed | Should -Not -BeNullOrEmpty -Because 'Stop() must return'
            $elapsed.TotalSeconds | Should -BeLessThan 3
            $nested.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $connection.State | Should -Be 'Connected'
            Send-SocketIoEvent $connection echo-ack -Data 'after stop' -Ack | Should -Be 'after stop'
        }
        finally { $nested.Shell.Dispose() }
    }

    It 'stops Connect-SocketIo -RetryConnect while it waits between attempts' {
        $port = Get-ClosedPort
        $shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
        try {
            $null = $shell.AddScript({
                    param($manifest, $uri)
                    Import-Module $manifest
                    Connect-SocketIo $uri -RetryConnect 1000 -Verbose
                }).AddArgument($TestModuleManifest).AddArgument("http://127.0.0.1:$port")
            $async = $shell.BeginInvoke()
            # Verbose output tells when the first attempt failed and the wait before the next began.
            Wait-Until { $shell.InvocationStateInfo.State -eq 'Running' } | Should -BeTrue
            Wait-Until { $shell.Streams.Verbose | Where-Object Message -like '*retrying*' } -TimeoutSec 15 | Should -BeTrue
            $async.IsCompleted | Should -BeFalse

            $elapsed = Measure-Stop $shell
            $elapsed | Should -Not -BeNullOrEmpty -Because 'Stop() must return'
            $elapsed.TotalSeconds | Should -BeLessThan 3
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $shell.Dispose() }
    }
}
