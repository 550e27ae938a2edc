Describe 'Register-SocketIoEvent' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        $c = Connect-SocketIo $server.Uri
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Remove-Event
        # Subscriptions are independent of the mailbox: what they saw is still there; empty it for the next test.
        if ($c.Unread -gt 0) { $null = Receive-SocketIoEvent $c -Count $c.Unread -TimeoutSec 5 }
    }

    It 'queues each matching message for Wait-Event (-SourceIdentifier)' {
        Register-SocketIoEvent -Connection $c -EventName echo -SourceIdentifier SocketIoTests.Queue
        Send-SocketIoEvent $c echo -ArgumentList 'payload', 5
        $e = Wait-Event -SourceIdentifier SocketIoTests.Queue -Timeout 10
        $e | Should -Not -BeNullOrEmpty
        $e.SourceIdentifier | Should -Be 'SocketIoTests.Queue'
        $m = $e.SourceEventArgs.Message
        $m | Should -BeOfType ([SocketIo.SocketIoMessage])
        $m.EventName | Should -Be 'echo'
        $m.Data | Should -Be 'payload'
        $m.Arguments | Should -Be @('payload', 5)
        $m.Connection | Should -Be $c
        $e.Sender | Should -BeOfType ([SocketIo.SocketIoEventSource])
        $e.Sender.Connection | Should -Be $c
        # The mailbox still got its own copy.
        (Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 5).Data | Should -Be 'payload'
    }

    It 'only queues messages that match its event name' {
        Register-SocketIoEvent $c 'wanted' -SourceIdentifier SocketIoTests.Filtered
        Register-SocketIoEvent $c '*' -SourceIdentifier SocketIoTests.Barrier
        Send-SocketIoEvent $c burst -ArgumentList 1, 'unwanted'
        Send-SocketIoEvent $c burst -ArgumentList 1, 'wanted'
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.Barrier -ErrorAction Ignore).Count -ge 2 } | Should -BeTrue
        $filtered = @(Get-Event -SourceIdentifier SocketIoTests.Filtered -ErrorAction Ignore)
        $filtered | Should -HaveCount 1
        $filtered[0].SourceEventArgs.Message.EventName | Should -Be 'wanted'
    }

    It 'subscribes to every event with -EventName *' {
        Register-SocketIoEvent $c -EventName '*' -SourceIdentifier SocketIoTests.All
        Send-SocketIoEvent $c burst -ArgumentList 1, 'alpha'
        Send-SocketIoEvent $c burst -ArgumentList 1, 'beta'
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.All -ErrorAction Ignore).Count -ge 2 } | Should -BeTrue
        $names = Get-Event -SourceIdentifier SocketIoTests.All | ForEach-Object { $_.SourceEventArgs.Message.EventName }
        $names | Should -Be @('alpha', 'beta')
    }

    It 'queues a subscription''s events in arrival order' {
        Register-SocketIoEvent $c ordered -SourceIdentifier SocketIoTests.Order
        Send-SocketIoEvent $c burst -ArgumentList 2000, 'ordered'
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.Order -ErrorAction Ignore).Count -ge 2000 } -TimeoutSec 20 | Should -BeTrue
        $indexes = Get-Event -SourceIdentifier SocketIoTests.Order | ForEach-Object { $_.SourceEventArgs.Message.Data.i }
        $indexes | Should -HaveCount 2000
        ($indexes -join ',') | Should -BeExactly ((0..1999) -join ',')
    }

    It 'runs -Action blocks in arrival order' {
        $seen = [System.Collections.Generic.List[int]]::new()
        $null = Register-SocketIoEvent $c ordered -SourceIdentifier SocketIoTests.OrderAction -MessageData $seen -Action {
            $Event.MessageData.Add($Event.SourceEventArgs.Message.Data.i)
            if ($Event.MessageData.Count -eq 20) { $null = New-Event -SourceIdentifier SocketIoTests.Done }
        }
        Send-SocketIoEvent $c burst -ArgumentList 20, 'ordered'
        # The actions run while Wait-Event waits; the last one raises Done.
        Wait-ActionSignal -SourceIdentifier SocketIoTests.Done -TimeoutSec 20 | Should -Not -BeNullOrEmpty
        ($seen -join ',') | Should -BeExactly ((0..19) -join ',')
    }

    It 'runs -Action with -MessageData' {
        $seen = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
        $global:SocketIoTestsActionEvent = $null
        $job = Register-SocketIoEvent $c echo -SourceIdentifier SocketIoTests.Action -MessageData $seen -Action {
            $null = $Event.MessageData.Add($Event.SourceEventArgs.Message.Data)
            $global:SocketIoTestsActionEvent = $Event.SourceEventArgs.Message.EventName
            if ($Event.MessageData.Count -eq 2) { $null = New-Event -SourceIdentifier SocketIoTests.Done }
        }
        try {
            $job | Should -BeOfType ([System.Management.Automation.PSEventJob])
            Send-SocketIoEvent $c echo -Data 'act-1'
            Send-SocketIoEvent $c echo -Data 'act-2'
            Wait-ActionSignal -SourceIdentifier SocketIoTests.Done | Should -Not -BeNullOrEmpty
            @($seen) | Should -Be @('act-1', 'act-2')
            $global:SocketIoTestsActionEvent | Should -Be 'echo'
        }
        finally { Remove-Variable -Name SocketIoTestsActionEvent -Scope Global -ErrorAction Ignore }
    }

    It 'passes -MessageData to queued events' {
        Register-SocketIoEvent $c echo -SourceIdentifier SocketIoTests.MessageData -MessageData @{ tag = 'mine' }
        Send-SocketIoEvent $c echo -Data 1
        $e = Wait-Event -SourceIdentifier SocketIoTests.MessageData -Timeout 10
        $e.MessageData.tag | Should -Be 'mine'
    }

    It 'queues at most -MaximumQueuedEvents unprocessed events and counts the rest as dropped' {
        $before = $c.EventsDropped
        Register-SocketIoEvent -Connection $c -EventName capped -SourceIdentifier SocketIoTests.Cap -MaximumQueuedEvents 5
        Send-SocketIoEvent $c burst -ArgumentList 20, 'capped'
        Wait-Until { $c.EventsDropped - $before -ge 15 } | Should -BeTrue
        Wait-Until { $c.Unread -ge 20 } | Should -BeTrue
        $c.EventsDropped - $before | Should -Be 15
        $queued = @(Get-Event -SourceIdentifier SocketIoTests.Cap)
        ($queued.SourceEventArgs.Message.Data.i -join ',') | Should -BeExactly '0,1,2,3,4' -Because 'the oldest are kept, the overflow is counted'
        $c.Dropped | Should -BeGreaterOrEqual 15
        # Once the script takes some, there is room again.
        $queued | Remove-Event
        Send-SocketIoEvent $c burst -ArgumentList 2, 'capped'
        Wait-Until { @(Get-Event | Where-Object SourceIdentifier -eq SocketIoTests.Cap).Count -eq 2 } | Should -BeTrue
    }

    It 'unregisters itself after -MaxTriggerCount 1' {
        Register-SocketIoEvent $c echo -SourceIdentifier SocketIoTests.Once -MaxTriggerCount 1
        Register-SocketIoEvent $c echo -SourceIdentifier SocketIoTests.Barrier
        Get-EventSubscriber -SourceIdentifier SocketIoTests.Once | Should -Not -BeNullOrEmpty
        Send-SocketIoEvent $c echo -Data 'one'
        Send-SocketIoEvent $c echo -Data 'two'
        # The barrier sees every message; once it has both, the other subscription had its chance at both too.
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.Barrier -ErrorAction Ignore).Count -ge 2 } | Should -BeTrue
        $once = @(Get-Event -SourceIdentifier SocketIoTests.Once -ErrorAction Ignore)
        $once | Should -HaveCount 1
        $once[0].SourceEventArgs.Message.Data | Should -Be 'one'
        Get-EventSubscriber -SourceIdentifier SocketIoTests.Once -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'runs an -Action -MaxTriggerCount 1 once and leaves nothing behind' {
        $seen = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
        $null = Register-SocketIoEvent $c once -SourceIdentifier SocketIoTests.OnceAction -MaxTriggerCount 1 -MessageData $seen -Action {
            $null = $Event.MessageData.Add($Event.SourceEventArgs.Message.Data.i)
            $null = New-Event -SourceIdentifier SocketIoTests.Done
        }
        Register-SocketIoEvent $c once -SourceIdentifier SocketIoTests.Barrier
        Send-SocketIoEvent $c burst -ArgumentList 3, 'once'
        # All three messages went past both subscriptions before the action gets a chance to run.
        Wait-Until { @(Get-Event -SourceIdentifier SocketIoTests.Barrier -ErrorAction Ignore).Count -ge 3 } | Should -BeTrue
        # Wait-Event runs the action (which raises Done) and PowerShell's auto-unregistration right after it.
        Wait-ActionSignal -SourceIdentifier SocketIoTests.Done | Should -Not -BeNullOrEmpty
        Get-EventSubscriber -SourceIdentifier SocketIoTests.OnceAction -ErrorAction Ignore | Should -BeNullOrEmpty
        @($seen) | Should -Be @(0)
        # No stray events for the spent subscription in the queue.
        Get-Event -SourceIdentifier SocketIoTests.OnceAction -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'shows in Get-EventSubscriber and stops after Unregister-Event' {
        Register-SocketIoEvent $c echo -SourceIdentifier SocketIoTests.Stop
        Register-SocketIoEvent $c echo -SourceIdentifier SocketIoTests.Barrier
        $subscriber = Get-EventSubscriber -SourceIdentifier SocketIoTests.Stop
        $subscriber | Should -HaveCount 1
        $subscriber.SourceObject | Should -BeOfType ([SocketIo.SocketIoEventSource])
        $subscriber.SourceObject.Connection | Should -Be $c
        $subscriber.SourceObject.EventName | Should -Be 'echo'

        Send-SocketIoEvent $c echo -Data 'before'
        (Wait-Event -SourceIdentifier SocketIoTests.Stop -Timeout 10).SourceEventArgs.Message.Data | Should -Be 'before'
        Get-Event -SourceIdentifier SocketIoTests.Stop | Remove-Event

        Unregister-Event -SourceIdentifier SocketIoTests.Stop
        Get-EventSubscriber -SourceIdentifier SocketIoTests.Stop -ErrorAction Ignore | Should -BeNullOrEmpty
        Get-Event -SourceIdentifier SocketIoTests.Barrier | Remove-Event
        Send-SocketIoEvent $c echo -Data 'after'
        Wait-Event -SourceIdentifier SocketIoTests.Barrier -Timeout 10 | Should -Not -BeNullOrEmpty
        Get-Event -SourceIdentifier SocketIoTests.Stop -ErrorAction Ignore | Should -BeNullOrEmpty
    }
}

Describe 'Acknowledging the server from PowerShell' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        $c = Connect-SocketIo $server.Uri
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    It 'answers an ack request with SocketIoMessage.Acknowledge, once' {
        Send-SocketIoEvent $c ask -ArgumentList 'q', 1
        $m = Receive-SocketIoEvent $c q -Count 1 -TimeoutSec 10
        $m.EventName | Should -Be 'q'
        $m.AckRequested | Should -BeTrue
        $m.Data | Should -Be 1
        $m.Acknowledge('r', 2)
        $answer = Receive-SocketIoEvent $c answer -Count 1 -TimeoutSec 10
        $answer | Should -Not -BeNullOrEmpty
        $answer.Arguments | Should -Be @('r', 2)
        { $m.Acknowledge('again') } | Should -Throw
        @(Receive-SocketIoEvent $c answer -TimeoutSec 0) | Should -HaveCount 0
    }

    It 'acknowledges with a hashtable and with no arguments' {
        Send-SocketIoEvent $c ask -ArgumentList 'q2'
        $m = Receive-SocketIoEvent $c q2 -Count 1 -TimeoutSec 10
        $m.Acknowledge(@{ ok = $true })
        (Receive-SocketIoEvent $c answer -Count 1 -TimeoutSec 10).Data.ok | Should -BeTrue

        Send-SocketIoEvent $c ask -ArgumentList 'q3'
        $m = Receive-SocketIoEvent $c q3 -Count 1 -TimeoutSec 10
        $m.Acknowledge()
        $answer = Receive-SocketIoEvent $c answer -Count 1 -TimeoutSec 10
        $answer.Arguments | Should -HaveCount 0
    }

    It 'can acknowledge from a Register-SocketIoEvent -Action' {
        $null = Register-SocketIoEvent $c q4 -SourceIdentifier SocketIoTests.AckAction -Action {
            $Event.SourceEventArgs.Message.Acknowledge('from action')
            $null = New-Event -SourceIdentifier SocketIoTests.Acked
        }
        try {
            Send-SocketIoEvent $c ask -ArgumentList 'q4', 'x'
            Wait-ActionSignal -SourceIdentifier SocketIoTests.Acked | Should -Not -BeNullOrEmpty
            $answers = @(Receive-SocketIoEvent $c answer -Count 1 -TimeoutSec 10)
            $answers | Should -HaveCount 1
            $answers[0].Data | Should -Be 'from action'
        }
        finally {
            Unregister-Event -SourceIdentifier SocketIoTests.AckAction
            Get-Event -SourceIdentifier SocketIoTests.Acked -ErrorAction Ignore | Remove-Event
        }
        $null = Receive-SocketIoEvent $c q4 -TimeoutSec 0
    }

    It 'refuses to acknowledge a message the server did not ask about' {
        Send-SocketIoEvent $c echo -Data 'plain'
        $m = Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10
        $m.AckRequested | Should -BeFalse
        { $m.Acknowledge('nobody asked') } | Should -Throw
    }
}
