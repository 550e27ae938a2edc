Describe 'Receive-SocketIoEvent' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        $c = Connect-SocketIo $server.Uri
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    AfterEach {
        # Each test leaves the shared connection's mailbox empty (emptied here so one failure does not spread).
        $left = $c.Unread
        if ($left -gt 0) { $null = Receive-SocketIoEvent $c -Count $left -TimeoutSec 5 }
        $left | Should -Be 0 -Because 'the test should have read every message it caused'
    }

    It 'reads the welcome pushed on connect afterwards (-Query scenario)' {
        $w = Connect-SocketIo $server.Uri -Query @{ scenario = 'welcome' }
        try {
            Wait-Until { $w.Unread -ge 1 } | Should -BeTrue
            $m = @(Receive-SocketIoEvent $w -Count 1 -TimeoutSec 10)
            $m | Should -HaveCount 1
            $m[0].EventName | Should -Be 'welcome'
            $m[0].Data.message | Should -Be 'hello'
            $m[0].Data.id | Should -Be $w.SocketId
            $w.Unread | Should -Be 0
        }
        finally { Disconnect-SocketIo $w }
    }

    It 'reads the welcome pushed on connect afterwards (-Auth scenario)' {
        $w = Connect-SocketIo $server.Uri -Auth @{ scenario = 'welcome' }
        try {
            $m = Receive-SocketIoEvent $w welcome -Count 1 -TimeoutSec 10
            $m.Data.message | Should -Be 'hello'
        }
        finally { Disconnect-SocketIo $w }
    }

    It 'leaves messages that do not match the filter in the mailbox' {
        Send-SocketIoEvent $c echo -Data 'first'
        Send-SocketIoEvent $c burst -ArgumentList 2, 'tick'
        $ticks = @(Receive-SocketIoEvent $c tick -Count 2 -TimeoutSec 10)
        $ticks | Should -HaveCount 2
        $ticks.EventName | Should -Be @('tick', 'tick')
        $ticks.Data.i | Should -Be @(0, 1)
        # The echo arrived first and was skipped, not lost.
        $c.Unread | Should -Be 1
        $echo = @(Receive-SocketIoEvent $c -Count 1 -TimeoutSec 10)
        $echo | Should -HaveCount 1
        $echo[0].EventName | Should -Be 'echo'
        $echo[0].Data | Should -Be 'first'
    }

    It 'matches event names with wildcards, case-sensitively' {
        Send-SocketIoEvent $c burst -Data 3
        Send-SocketIoEvent $c echo -Data 'other'
        Wait-Until { $c.Unread -eq 4 } | Should -BeTrue
        @(Receive-SocketIoEvent $c 'BUR*' -TimeoutSec 0) | Should -HaveCount 0
        $bursts = @(Receive-SocketIoEvent $c 'bur*' -Count 3 -TimeoutSec 10)
        $bursts.EventName | Should -Be @('burst', 'burst', 'burst')
        $bursts.Data.i | Should -Be @(0, 1, 2)
        (Receive-SocketIoEvent $c 'ec?o' -Count 1 -TimeoutSec 10).Data | Should -Be 'other'
    }

    It 'takes several event names at once' {
        Send-SocketIoEvent $c burst -ArgumentList 1, 'one'
        Send-SocketIoEvent $c burst -ArgumentList 1, 'two'
        Send-SocketIoEvent $c burst -ArgumentList 1, 'three'
        $got = @(Receive-SocketIoEvent $c -EventName 'one', 'three' -Count 2 -TimeoutSec 10)
        $got.EventName | Should -Be @('one', 'three')
        (Receive-SocketIoEvent $c two -Count 1 -TimeoutSec 10).EventName | Should -Be 'two'
    }

    It 'ends on -TimeoutSec without an error and returns what arrived' {
        Send-SocketIoEvent $c burst -ArgumentList 2, 'few'
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $got = @(Receive-SocketIoEvent $c few -Count 5 -TimeoutSec 1 -ErrorVariable receiveErrors)
        $clock.Stop()
        $receiveErrors | Should -HaveCount 0
        $got | Should -HaveCount 2
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
    }

    It 'ends at -TimeoutSec even when a slow consumer is behind, and puts back what it took but did not write' {
        Send-SocketIoEvent $c burst -ArgumentList 40, 'slow'
        Wait-Until { $c.Unread -eq 40 } | Should -BeTrue
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $first = @(Receive-SocketIoEvent $c slow -TimeoutSec 1 | ForEach-Object { Start-Sleep -Milliseconds 100; $_ })
        $clock.Stop()
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 2.5 -Because 'the deadline ends the call, not the end of what is waiting'
        $first.Count | Should -BeGreaterThan 0
        $first.Count | Should -BeLessThan 40
        $rest = @(Receive-SocketIoEvent $c slow -TimeoutSec 0)
        (@($first) + @($rest)).Data.i -join ',' | Should -BeExactly ((0..39) -join ',') -Because 'nothing is lost or reordered'
    }

    It 'takes everything already in the mailbox with -TimeoutSec 0, without waiting' {
        Send-SocketIoEvent $c burst -ArgumentList 300, 'ready'
        Wait-Until { $c.Unread -eq 300 } | Should -BeTrue
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $got = @(Receive-SocketIoEvent $c ready -TimeoutSec 0)
        $clock.Stop()
        $got | Should -HaveCount 300
        ($got.Data.i -join ',') | Should -BeExactly ((0..299) -join ',')
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
    }

    It 'returns nothing at once with -TimeoutSec 0 on an empty mailbox' {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $got = @(Receive-SocketIoEvent $c -TimeoutSec 0)
        $clock.Stop()
        $got | Should -HaveCount 0
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
    }

    It 'streams without -Count until the server closes the connection (kick)' {
        $nested = New-NestedSession -Uri $server.Uri
        try {
            $k = $nested.Connection
            $seen = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
            $null = $nested.Shell.AddScript({
                    param($seen)
                    Receive-SocketIoEvent $global:c | ForEach-Object { $seen.Enqueue($_.EventName); $_.Data }
                }).AddArgument($seen)
            $async = $nested.Shell.BeginInvoke()
            Send-SocketIoEvent $k echo -Data 'before kick'
            Wait-Until { $seen.Count -ge 1 } | Should -BeTrue
            $async.IsCompleted | Should -BeFalse   # still streaming
            Send-SocketIoEvent $k kick
            $async.AsyncWaitHandle.WaitOne(5000) | Should -BeTrue
            $output = $nested.Shell.EndInvoke($async)
            $nested.Shell.HadErrors | Should -BeFalse
            $output | Should -Be @('before kick')
            $k.State | Should -Be 'Disconnected'
        }
        finally {
            if ($nested.Shell.InvocationStateInfo.State -eq 'Running') { $null = $nested.Shell.BeginStop($null, $null).AsyncWaitHandle.WaitOne(5000) }
            $nested.Shell.Dispose()
        }
    }

    It 'returns what is left right away from a connection closed for good' {
        $k = Connect-SocketIo $server.Uri
        try {
            Send-SocketIoEvent $k echo -Data 'last words'
            Wait-Until { $k.Unread -eq 1 } | Should -BeTrue
            Send-SocketIoEvent $k kick
            Wait-Until { $k.State -eq 'Disconnected' } | Should -BeTrue
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $got = @(Receive-SocketIoEvent $k -TimeoutSec 20)
            $clock.Stop()
            $got.Data | Should -Be 'last words'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
        }
        finally { Disconnect-SocketIo $k }
    }

    It 'reads two connections at once, in arrival order, each message with its Connection' {
        $a = Connect-SocketIo $server.Uri -Name 'reader-a'
        $b = Connect-SocketIo $server.Uri -Name 'reader-b'
        try {
            Send-SocketIoEvent $a echo -Data 'a1'
            Wait-Until { $a.Unread -eq 1 } | Should -BeTrue
            Send-SocketIoEvent $b echo -Data 'b1'
            Wait-Until { $b.Unread -eq 1 } | Should -BeTrue
            Send-SocketIoEvent $a echo -Data 'a2'
            Wait-Until { $a.Unread -eq 2 } | Should -BeTrue
            $got = @(Receive-SocketIoEvent -Connection $a, $b -Count 3 -TimeoutSec 10)
            $got.Data | Should -Be @('a1', 'b1', 'a2')
            $got[0].Connection | Should -Be $a
            $got[1].Connection | Should -Be $b
            $got[2].Connection | Should -Be $a
            $got[1].Connection.Name | Should -Be 'reader-b'
        }
        finally { Disconnect-SocketIo $a, $b }
    }

    It 'reads connections given on the pipeline' {
        $a = Connect-SocketIo $server.Uri
        $b = Connect-SocketIo $server.Uri
        try {
            Send-SocketIoEvent $a echo -Data 'pa'
            Send-SocketIoEvent $b echo -Data 'pb'
            $got = @($a, $b | Receive-SocketIoEvent -EventName echo -Count 2 -TimeoutSec 10)
            $got.Data | Sort-Object | Should -Be @('pa', 'pb')
        }
        finally { Disconnect-SocketIo $a, $b }
    }

    It 'yields byte[] for binary attachments (binary)' {
        Send-SocketIoEvent $c binary
        $m = Receive-SocketIoEvent $c binary -Count 1 -TimeoutSec 10
        $m.Arguments | Should -HaveCount 2
        $m.Data.GetType() | Should -Be ([byte[]])
        $m.Data | Should -Be @(1, 2, 3, 4)
        $m.Arguments[1].name | Should -Be 'x'
        $m.Arguments[1].blob.GetType() | Should -Be ([byte[]])
        $m.Arguments[1].blob | Should -Be @(5, 6)
    }

    It 'gives each message to one reader only, in arrival order' {
        Send-SocketIoEvent $c burst -ArgumentList 4, 'shared'
        Wait-Until { $c.Unread -eq 4 } | Should -BeTrue
        $first = @(Receive-SocketIoEvent $c shared -Count 2 -TimeoutSec 5)
        $second = @(Receive-SocketIoEvent $c shared -Count 2 -TimeoutSec 5)
        $first.Data.i | Should -Be @(0, 1)
        $second.Data.i | Should -Be @(2, 3)
    }
}
