Describe 'Reconnection, buffering, multiplexing and lifecycle events' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        # Servers started here (some are killed and started again on the same port); AfterAll stops them all.
        $servers = [System.Collections.Generic.List[object]]::new()
        $servers.Add((Start-NodeServer))
        $server = $servers[0]
        $fast = @{ ReconnectionDelay = 100; ReconnectionDelayMax = 300; RandomizationFactor = 0 }

        # Kills the server process outright (no goodbye to its clients), as a crash would.
        function Stop-ServerHard($s) {
            try { $s.Process.Kill() } catch { }
            $null = $s.Process.WaitForExit(5000)
        }

        function Get-LifecycleName([string] $SourceIdentifier) {
            @(Get-Event -SourceIdentifier $SourceIdentifier -ErrorAction Ignore | ForEach-Object { $_.SourceEventArgs.Message.EventName })
        }
    }

    AfterAll {
        try { Stop-TestEnvironment $null }
        finally { foreach ($s in $servers) { Stop-NodeServer $s } }
    }

    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Remove-Event
        Get-SocketIoConnection | Disconnect-SocketIo
    }

    It 'refuses contradictory parameters as SocketIoParameterConflict' {
        $err = Get-ThrownError { Connect-SocketIo $server.Uri -NoReconnect -ReconnectionAttempts 3 -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoParameterConflict,*'
        $err = Get-ThrownError { Connect-SocketIo $server.Uri -ReconnectionDelay 2000 -ReconnectionDelayMax 1000 -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoParameterConflict,*'
        @(Get-SocketIoConnection) | Should -HaveCount 0
        $c = Connect-SocketIo $server.Uri
        $err = Get-ThrownError { Send-SocketIoEvent $c echo -Data 1 -Volatile -Retries 2 -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoParameterConflict,*'
    }

    It 'reconnects to a server killed and started again on the same port; buffered emits arrive once and in order' {
        $c = Connect-SocketIo $server.Uri @fast
        Register-SocketIoEvent $c -Lifecycle -SourceIdentifier SocketIoTests.Life
        $port = $server.Port

        Stop-ServerHard $server
        Wait-Until { $c.State -eq 'Reconnecting' } | Should -BeTrue
        1..3 | ForEach-Object { Send-SocketIoEvent $c record -ArgumentList 'pester-restart', $_ }
        Send-SocketIoEvent $c record -ArgumentList 'pester-restart', 'volatile' -Volatile
        $c.BufferedEmits | Should -Be 3
        $c.VolatileDropped | Should -Be 1
        Wait-Until { (Get-LifecycleName SocketIoTests.Life) -contains 'reconnect_error' } | Should -BeTrue

        $restarted = Start-NodeServer -ArgumentList '--port', $port
        $servers.Add($restarted)
        Wait-Until { $c.State -eq 'Connected' } -TimeoutSec 10 | Should -BeTrue

        # An acknowledged emit queued after the buffered ones: by its answer the server has them all.
        (Send-SocketIoEvent $c recorded -Data 'pester-restart' -Ack) -join ',' | Should -Be '1,2,3'
        $c.Reconnects | Should -Be 1
        $c.BufferedEmits | Should -Be 0
        Wait-Until { (Get-LifecycleName SocketIoTests.Life)[-1] -eq 'connect' } | Should -BeTrue
        $events = @(Get-Event -SourceIdentifier SocketIoTests.Life | ForEach-Object { $_.SourceEventArgs.Message })
        # The first connect's own event may or may not reach a subscription registered right after Connect-SocketIo.
        if ($events[0].EventName -eq 'connect') { $events = $events[1..($events.Count - 1)] }
        $events[0].EventName | Should -Be 'disconnect'
        $events[0].Kind | Should -Be 'Lifecycle'
        $events[0].Data.Reason | Should -BeIn @('transport close', 'transport error')
        $events[0].Data.WillReconnect | Should -BeTrue
        $events[1].EventName | Should -Be 'reconnect_attempt'
        ($events | Where-Object EventName -eq 'connect_error')[0].Data.WillReconnect | Should -BeTrue
        ($events | Where-Object EventName -eq 'reconnect').Data.Attempt | Should -BeGreaterOrEqual 2
        $events[-1].Data.Reconnect | Should -BeTrue
        (Get-SocketIoConnection -Id $c.Id).Reconnects | Should -Be 1
    }

    It 'shows the reconnection in -Verbose while a cmdlet waits, and buffers an -Ack emit until then' {
        $s = $servers[-1]
        $c = Connect-SocketIo $s.Uri -ReconnectionDelay 300 -ReconnectionDelayMax 300 -RandomizationFactor 0
        Send-SocketIoEvent $c close-transport -ErrorAction SilentlyContinue
        Wait-Until { $c.State -eq 'Reconnecting' } | Should -BeTrue

        $out = Send-SocketIoEvent $c echo-ack -Data 'waited' -Ack -TimeoutSec 10 -Verbose 4>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Should -Be 'waited'
        ($verbose -join "`n") | Should -Match 'waits in its buffer'
        ($verbose -join "`n") | Should -Match 'reconnect_attempt: attempt 1 after waiting 300 ms'
        ($verbose -join "`n") | Should -Match "connect: namespace '/' joined again"
    }

    It 'does not reconnect after the server kicks the client (io server disconnect)' {
        $c = Connect-SocketIo $servers[-1].Uri @fast
        Register-SocketIoEvent $c -Lifecycle -SourceIdentifier SocketIoTests.Kick
        Send-SocketIoEvent $c kick
        Wait-Until { $c.State -eq 'Disconnected' } | Should -BeTrue
        Wait-Until { (Get-LifecycleName SocketIoTests.Kick) -contains 'disconnect' } | Should -BeTrue
        Start-Sleep -Milliseconds 500
        $names = @(Get-LifecycleName SocketIoTests.Kick | Where-Object { $_ -ne 'connect' })
        $names | Should -Be @('disconnect')
        $m = (Get-Event -SourceIdentifier SocketIoTests.Kick | Where-Object { $_.SourceEventArgs.Message.EventName -eq 'disconnect' })[0].SourceEventArgs.Message
        $m.Data.Reason | Should -Be 'io server disconnect'
        $m.Data.WillReconnect | Should -BeFalse
        $c.DisconnectReason | Should -Be 'io server disconnect'
    }

    It 'shares one Engine.IO session between namespaces of one server unless -ForceNew' {
        $s = $servers[-1]
        Wait-Until { (Get-NodeServerStats $s).engineConnections -eq 0 } | Should -BeTrue
        $main = Connect-SocketIo $s.Uri
        $admin = Connect-SocketIo $s.Uri -Namespace /admin -Auth @{ token = 'secret' }
        $forced = Connect-SocketIo $s.Uri -Namespace /admin -Auth @{ token = 'secret' } -ForceNew
        $admin.EngineSessionId | Should -Be $main.EngineSessionId
        $forced.EngineSessionId | Should -Not -Be $main.EngineSessionId
        Wait-Until { $st = Get-NodeServerStats $s; $st.engineConnections -eq 2 -and $st.sockets -eq 3 } | Should -BeTrue
        Disconnect-SocketIo $main
        Send-SocketIoEvent $admin echo-ack -Data 'alone' -Ack | Should -Be 'alone'
        Disconnect-SocketIo $admin, $forced
        Wait-Until { (Get-NodeServerStats $s).engineConnections -eq 0 } | Should -BeTrue
    }

    It 'sends the Auth assigned on the connection with the next CONNECT (a refreshed token)' {
        $c = Connect-SocketIo $servers[-1].Uri -Auth @{ user = 'first' } @fast
        $c.Auth.Keys | Should -Be @('user')   # values are masked: they are credentials
        { $c.Auth.user = 'changed in place' } | Should -Throw
        $c.Auth = @{ user = 'second'; scenario = 'welcome' }
        Send-SocketIoEvent $c close-transport -ErrorAction SilentlyContinue
        (Receive-SocketIoEvent $c welcome -Count 1 -TimeoutSec 10).Data.message | Should -Be 'hello'
        (Send-SocketIoEvent $c handshake -Ack).auth.user | Should -Be 'second'
    }

    It 'delivers outgoing events to -Outgoing subscriptions only, and lifecycle events never to *' {
        $c = Connect-SocketIo $servers[-1].Uri
        Register-SocketIoEvent $c -Outgoing -SourceIdentifier SocketIoTests.Out
        Register-SocketIoEvent $c '*' -SourceIdentifier SocketIoTests.In
        Register-SocketIoEvent $c -Lifecycle disc* -SourceIdentifier SocketIoTests.Disc
        Send-SocketIoEvent $c echo -ArgumentList 'a', 1
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.In -ErrorAction Ignore).Count -ge 1 } | Should -BeTrue
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.Out -ErrorAction Ignore).Count -ge 1 } | Should -BeTrue
        $out = (Get-Event -SourceIdentifier SocketIoTests.Out)[0].SourceEventArgs.Message
        $out.Kind | Should -Be 'Outgoing'
        $out.EventName | Should -Be 'echo'
        $out.Arguments | Should -Be @('a', 1)
        $in = @(Get-Event -SourceIdentifier SocketIoTests.In)
        $in | Should -HaveCount 1
        $in[0].SourceEventArgs.Message.Kind | Should -Be 'Event'
        Send-SocketIoEvent $c kick
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.Disc -ErrorAction Ignore).Count -ge 1 } | Should -BeTrue
        @(Get-Event -SourceIdentifier SocketIoTests.In) | Should -HaveCount 1
        $c.Unread | Should -Be 1   # lifecycle and outgoing messages never go to the mailbox
    }

    It 'retries until acknowledged with -Retries and -TimeoutSec, and gives up after Retries+1 tries' {
        $c = Connect-SocketIo $servers[-1].Uri -AckTimeoutSec 1
        $c.AckTimeoutSec | Should -Be 1
        Send-SocketIoEvent $c echo-ack -Data 'r' -Ack -Retries 2 | Should -Be 'r'
        Register-SocketIoEvent $c -Outgoing no-ack -SourceIdentifier SocketIoTests.Tries
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $err = Get-ThrownError { Send-SocketIoEvent $c no-ack -Data 'x' -Ack -Retries 1 -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoAckTimeout,*'
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1.8
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.Tries -ErrorAction Ignore).Count -ge 2 } | Should -BeTrue
        @(Get-Event -SourceIdentifier SocketIoTests.Tries) | Should -HaveCount 2
        $c.QueuedRetries | Should -Be 0
    }

    It 'speaks socket.io-msgpack-parser with -Parser MsgPack' {
        $msgpack = Start-NodeServer -ArgumentList '--parser', 'msgpack'
        $servers.Add($msgpack)
        $c = Connect-SocketIo $msgpack.Uri -Parser MsgPack
        Send-SocketIoEvent $c echo-ack -ArgumentList 'packed', 42 -Ack | Should -Be @('packed', 42)
        $bytes = [byte[]](1, 2, 3)
        Send-SocketIoEvent $c echo -Data $bytes
        (Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10).Data | Should -Be $bytes
    }

    It 'recovers the session with a --recovery server: Recovered, missed events arrive, the offset is not an argument' {
        $recovery = Start-NodeServer -ArgumentList '--recovery'
        $servers.Add($recovery)
        $c = Connect-SocketIo $recovery.Uri -ReconnectionDelay 600 -ReconnectionDelayMax 600 -RandomizationFactor 0
        Send-SocketIoEvent $c echo -Data 'first'
        $first = Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10
        $first.Arguments | Should -Be @('first')
        $first.Offset | Should -Not -BeNullOrEmpty
        $c.LastOffset | Should -Be $first.Offset
        $sid = $c.SocketId

        Send-SocketIoEvent $c emit-later -ArgumentList 150, 'news', 'while-away'
        Send-SocketIoEvent $c close-transport -ErrorAction SilentlyContinue
        Wait-Until { $c.Reconnects -eq 1 -and $c.State -eq 'Connected' } -TimeoutSec 10 | Should -BeTrue

        $c.Recovered | Should -BeTrue
        $c.SocketId | Should -Be $sid
        $news = Receive-SocketIoEvent $c news -Count 1 -TimeoutSec 10
        $news.Data | Should -Be 'while-away'
        $news.Arguments | Should -HaveCount 1
        $news.Offset | Should -Not -BeNullOrEmpty
    }
}
