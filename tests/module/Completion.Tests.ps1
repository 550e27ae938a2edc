# Tab completion through TabExpansion2, as the console and editors call it.

Describe 'Tab completion' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        $c = Connect-SocketIo $server.Uri -Name completion-test
        # Names the server sends back (burst n, name): plain, one that needs quotes, one with wildcard characters.
        foreach ($name in 'alpha', 'alpine', 'beta', 'with space', 'odd[1]') { Send-SocketIoEvent $c burst -ArgumentList 1, $name }
        Wait-Until { $c.EventsReceived -ge 5 } | Should -BeTrue

        # The completion texts TabExpansion2 offers at the end of $Line.
        function Get-Completion([string] $Line) {
            (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText
        }
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    It 'offers the event names seen on the connection for <Command> -EventName' -ForEach @(
        @{ Command = 'Receive-SocketIoEvent' }
        @{ Command = 'Register-SocketIoEvent' }
        @{ Command = 'Wait-SocketIoEvent' }
        @{ Command = 'Send-SocketIoEvent' }
    ) {
        Get-Completion "$Command -Connection `$c -EventName al" | Should -Be @('alpha', 'alpine')
        Get-Completion "$Command `$c be" | Should -Be @('beta')   # positional -EventName
    }

    It 'offers every name for an empty word, sorted' {
        $all = Get-Completion 'Receive-SocketIoEvent $c '
        $all | Should -Contain 'alpha'
        $all | Should -Contain 'beta'
        $all | Should -Contain "'with space'"
        @($all | Where-Object { $_ -like '*alpha*' }).Count | Should -Be 1
        $all[0] | Should -Be 'alpha'
    }

    It 'quotes names that need quoting and escapes wildcard characters where -EventName takes wildcards' {
        Get-Completion 'Receive-SocketIoEvent $c wi' | Should -Be "'with space'"
        # Single quotes keep the backticks: unquoted, the parser would consume them and [1] would be a wildcard range.
        Get-Completion 'Receive-SocketIoEvent $c od' | Should -Be "'odd``[1``]'"
        Get-Completion 'Send-SocketIoEvent $c od' | Should -Be 'odd[1]'   # Send takes the name literally
        # The completed text, run, selects exactly that event.
        $completed = Get-Completion 'Receive-SocketIoEvent $c od'
        (Invoke-Expression "Receive-SocketIoEvent `$c $completed -Count 1 -TimeoutSec 5").EventName | Should -BeExactly 'odd[1]'
        Get-Completion "Receive-SocketIoEvent `$c 'al" | Should -Be @("'alpha'", "'alpine'")
    }

    It 'uses every connection of the session when -Connection is not given yet' {
        Get-Completion 'Wait-SocketIoEvent -EventName alp' | Should -Be @('alpha', 'alpine')
    }

    It 'offers lifecycle event names with -Lifecycle' {
        Get-Completion 'Register-SocketIoEvent $c -Lifecycle -EventName reconnect_' | Should -Be @('reconnect_attempt', 'reconnect_error', 'reconnect_failed')
    }

    It 'offers connection ids and names for Get-SocketIoConnection' {
        Get-Completion 'Get-SocketIoConnection -Id ' | Should -Contain ([string]$c.Id)
        Get-Completion 'Get-SocketIoConnection -Name completion-' | Should -Be 'completion-test'
    }

    It 'keeps at most the first 1000 distinct names of a connection, and stays fast' {
        $many = Connect-SocketIo $server.Uri -Name many-names
        try {
            foreach ($i in 1..1100) { Send-SocketIoEvent $many burst -ArgumentList 1, "n$i" }
            Wait-Until { $many.EventsReceived -ge 1100 } -TimeoutSec 20 | Should -BeTrue
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $names = Get-Completion 'Receive-SocketIoEvent $many n'
            $clock.Stop()
            $names.Count | Should -Be 1000
            $names | Should -Contain 'n1'
            $names | Should -Not -Contain 'n1001'   # the first 1000 are kept, later ones are not
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
        }
        finally { Disconnect-SocketIo $many }
    }

    Context 'OctoPrint' {
        BeforeAll {
            $printer = Start-NodeServer -Script octoprint-sim.js -ArgumentList '--current-interval', '100'
            $op = Connect-OctoPrint $printer.Uri -ApiKey 'test-api-key' -Name completion-printer
            # ClientAuthed arrives right after authentication.
            Wait-Until { $op.EventsReceived -ge 3 } | Should -BeTrue
        }

        AfterAll {
            if ($op) { Disconnect-SocketIo $op }
            Stop-NodeServer $printer
        }

        It 'offers the message types and the event:<Type> names' {
            $names = Get-Completion 'Receive-SocketIoEvent $op '
            foreach ($type in 'connected', 'current', 'history', 'event', 'reauthRequired') { $names | Should -Contain $type }
            Get-Completion 'Wait-SocketIoEvent $op event:Client' | Should -Contain 'event:ClientAuthed'   # seen
            Get-Completion 'Register-SocketIoEvent $op event:PrintD' | Should -Be 'event:PrintDone'   # the job's events, before they were seen
        }
    }
}
