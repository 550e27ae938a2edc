Describe 'Wait-SocketIoEvent' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer

        # Runs $Script in another runspace after $DelayMs, with $Connection as its argument: a second actor that sends
        # while this runspace waits. Returns the [powershell]; dispose it after the wait.
        function Start-Later([int] $DelayMs, $Connection, [scriptblock] $Script) {
            $shell = [powershell]::Create()
            $null = $shell.AddScript({
                    param($manifest, $delay, $connection, $script)
                    Import-Module $manifest
                    Start-Sleep -Milliseconds $delay
                    & ([scriptblock]::Create($script)) $connection
                }).AddArgument($TestModuleManifest).AddArgument($DelayMs).AddArgument($Connection).AddArgument($Script.ToString())
            $null = $shell.BeginInvoke()
            $shell
        }
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    Context 'returns' {
        BeforeEach {
            $c = Connect-SocketIo $server.Uri
        }

        AfterEach {
            Get-EventSubscriber | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Unregister-Event
            Disconnect-SocketIo $c
        }

        It 'when a matching event arrives, with that message' {
            $later = Start-Later 300 $c { param($c) Send-SocketIoEvent $c burst -ArgumentList 1, 'noise'; Send-SocketIoEvent $c burst -ArgumentList 1, 'go' }
            try {
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $m = Wait-SocketIoEvent $c go -TimeoutSec 10
                $clock.Stop()
            }
            finally { $later.Dispose() }
            $m | Should -BeOfType ([SocketIo.SocketIoMessage])
            $m.EventName | Should -BeExactly 'go'
            $m.Connection | Should -Be $c
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            # It took the message from the mailbox and left the others there.
            Receive-SocketIoEvent $c go -TimeoutSec 0 | Should -BeNullOrEmpty
            (Receive-SocketIoEvent $c noise -TimeoutSec 0).EventName | Should -Be 'noise'
        }

        It 'at once with a message that arrived before the call' {
            $w = Connect-SocketIo $server.Uri -Query @{ scenario = 'welcome' }
            try {
                Wait-Until { $w.Unread -ge 1 } | Should -BeTrue
                $m = Wait-SocketIoEvent $w 'wel*' -TimeoutSec 5
                $m.EventName | Should -Be 'welcome'
                $m.Data.message | Should -Be 'hello'
                $w.Unread | Should -Be 0
            }
            finally { Disconnect-SocketIo $w }
        }

        It 'when the connection closes, with no output' {
            $later = Start-Later 300 $c { param($c) Send-SocketIoEvent $c kick }
            try {
                $out = Wait-SocketIoEvent $c never -TimeoutSec 10 -Verbose 4>&1
            }
            finally { $later.Dispose() }
            @($out | Where-Object { $_ -is [SocketIo.SocketIoMessage] }) | Should -BeNullOrEmpty
            ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'closed for good: io server disconnect'
            $c.State | Should -Be 'Disconnected'
        }

        It 'when the connection closes, without -EventName' {
            $later = Start-Later 300 $c { param($c) Send-SocketIoEvent $c kick }
            try { $out = Wait-SocketIoEvent $c -TimeoutSec 10 }
            finally { $later.Dispose() }
            $out | Should -BeNullOrEmpty
            $c.State | Should -Be 'Disconnected'
        }

        It 'on -TimeoutSec, with no output and no error' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $out = Wait-SocketIoEvent $c never -TimeoutSec 1 -ErrorVariable errors
            $clock.Stop()
            $out | Should -BeNullOrEmpty
            $errors | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.95
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 4
        }

        It 'at once with -TimeoutSec 0' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Wait-SocketIoEvent $c never -TimeoutSec 0 | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
        }

        It 'with the first match of several piped connections' {
            $d = Connect-SocketIo $server.Uri -ForceNew
            try {
                $later = Start-Later 300 $d { param($d) Send-SocketIoEvent $d burst -ArgumentList 1, 'go' }
                try { $m = $c, $d | Wait-SocketIoEvent -EventName go -TimeoutSec 10 }
                finally { $later.Dispose() }
                $m.Connection | Should -Be $d
            }
            finally { Disconnect-SocketIo $d }
        }
    }

    Context 'keeps -Action blocks running' {
        BeforeEach {
            $c = Connect-SocketIo $server.Uri
        }

        AfterEach {
            Get-EventSubscriber | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Unregister-Event
            Disconnect-SocketIo $c
        }

        It 'runs the actions of the events that arrive while it waits, in order, before it returns' {
            $seen = [System.Collections.Generic.List[int]]::new()
            $null = Register-SocketIoEvent $c tick -SourceIdentifier SocketIoTests.Tick -MessageData $seen -Action { $Event.MessageData.Add($EventArgs.Message.Data.i) }
            Send-SocketIoEvent $c burst -ArgumentList 500, 'tick'
            Send-SocketIoEvent $c echo -Data 'done'   # the server answers after the burst
            $m = Wait-SocketIoEvent $c echo -TimeoutSec 20
            $m.Data | Should -Be 'done'
            $seen.Count | Should -Be 500
            ($seen -join ',') | Should -BeExactly ((0..499) -join ',')
        }

        It 'runs them until the connection closes when waiting without -EventName' {
            $seen = [System.Collections.Generic.List[int]]::new()
            $null = Register-SocketIoEvent $c tick -SourceIdentifier SocketIoTests.Tick -MessageData $seen -Action { $Event.MessageData.Add($EventArgs.Message.Data.i) }
            $later = Start-Later 200 $c { param($c) Send-SocketIoEvent $c burst -ArgumentList 100, 'tick'; Start-Sleep -Milliseconds 300; Send-SocketIoEvent $c kick }
            try { Wait-SocketIoEvent $c -TimeoutSec 20 }
            finally { $later.Dispose() }
            $seen.Count | Should -Be 100
        }

        It 'runs the actions of other event sources too (a timer)' {
            $ticks = [System.Collections.Generic.List[datetime]]::new()
            $timer = [System.Timers.Timer]::new(100)
            $null = Register-ObjectEvent $timer Elapsed -SourceIdentifier SocketIoTests.Timer -MessageData $ticks -Action { $Event.MessageData.Add([datetime]::UtcNow) }
            $timer.Start()
            try { Wait-SocketIoEvent $c never -TimeoutSec 2 }
            finally { $timer.Stop(); $timer.Dispose() }
            $ticks.Count | Should -BeGreaterOrEqual 5
        }
    }

    It 'stops promptly on Ctrl+C, also while an action runs' {
        $nested = New-NestedSession -Uri $server.Uri
        try {
            $null = $nested.Shell.AddScript({
                    $null = Register-SocketIoEvent $global:c echo -Action { Start-Sleep -Milliseconds 500 }
                    Send-SocketIoEvent $global:c echo -Data 1
                    Wait-SocketIoEvent $global:c
                })
            $async = $nested.Shell.BeginInvoke()
            Wait-Until { $nested.Shell.InvocationStateInfo.State -eq 'Running' } | Should -BeTrue
            Start-Sleep -Milliseconds 700
            $async.IsCompleted | Should -BeFalse
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $stop = $nested.Shell.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
            $nested.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $nested.Connection.State | Should -Be 'Connected'   # stopping a wait does not close the connection
        }
        finally { $nested.Shell.Dispose() }
    }

    It 'returns at once when there are no connections to wait on' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({ param($m) Import-Module $m; $clock = [Diagnostics.Stopwatch]::StartNew(); Wait-SocketIoEvent -TimeoutSec 30; $clock.Elapsed.TotalSeconds }).AddArgument($TestModuleManifest)
            $elapsed = $shell.Invoke()
            $shell.HadErrors | Should -BeFalse
            $elapsed[-1] | Should -BeLessThan 2
        }
        finally { $shell.Dispose() }
    }
}
