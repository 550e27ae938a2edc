Describe 'Send-SocketIoEvent and Receive-SocketIoEvent' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        $c = Connect-SocketIo $server.Uri
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    Context 'Send-SocketIoEvent -Ack round trips (echo-ack)' {
        It 'round-trips a hashtable' {
            $reply = @(Send-SocketIoEvent $c echo-ack -Data @{ a = 1; b = 'two'; nested = @{ x = $true } } -Ack)
            $reply | Should -HaveCount 1
            $reply[0] | Should -BeOfType ([System.Management.Automation.PSCustomObject])
            $reply[0].a | Should -Be 1
            $reply[0].b | Should -Be 'two'
            $reply[0].nested.x | Should -BeTrue
        }

        It 'keeps the key order of an [ordered] dictionary' {
            $reply = Send-SocketIoEvent $c echo-ack -Data ([ordered]@{ zulu = 1; alpha = 2; mike = 3; bravo = 4 }) -Ack
            $reply.psobject.Properties.Name | Should -Be @('zulu', 'alpha', 'mike', 'bravo')
            $reply.mike | Should -Be 3
        }

        It 'round-trips a PSCustomObject' {
            $reply = Send-SocketIoEvent $c echo-ack -Data ([pscustomobject]@{ Name = 'n'; Count = 3; List = @('a', 'b') }) -Ack
            $reply.psobject.Properties.Name | Should -Be @('Name', 'Count', 'List')
            $reply.Name | Should -Be 'n'
            $reply.Count | Should -Be 3
            $reply.List | Should -Be @('a', 'b')
        }

        It 'sends an array given to -Data as ONE argument' {
            $reply = @(Send-SocketIoEvent $c echo-ack -Data @(1, 2, 3) -Ack)
            $reply | Should -HaveCount 1
            $reply[0].GetType() | Should -Be ([object[]])
            $reply[0] | Should -Be @(1, 2, 3)
        }

        It 'round-trips the scalar <Label>' -ForEach @(
            @{ Label = 'string'; Value = 'héllo wörld'; Type = [string] }
            @{ Label = 'int'; Value = 42; Type = [int] }
            @{ Label = 'negative int'; Value = -7; Type = [int] }
            @{ Label = 'double'; Value = 2.5; Type = [double] }
            @{ Label = 'bool true'; Value = $true; Type = [bool] }
            @{ Label = 'bool false'; Value = $false; Type = [bool] }
        ) {
            $reply = @(Send-SocketIoEvent $c echo-ack -Data $Value -Ack)
            $reply | Should -HaveCount 1
            $reply[0] | Should -BeOfType $Type
            $reply[0] | Should -Be $Value
        }

        It 'round-trips $null as one $null argument' {
            $reply = @(Send-SocketIoEvent $c echo-ack -Data $null -Ack)
            $reply | Should -HaveCount 1
            $reply[0] | Should -BeNullOrEmpty
            $null -eq $reply[0] | Should -BeTrue
        }

        It 'sends byte[] as a binary attachment and gets byte[] back' {
            [byte[]] $bytes = 0, 1, 2, 254, 255
            $reply = @(Send-SocketIoEvent $c echo-ack -Data $bytes -Ack)
            $reply | Should -HaveCount 1
            $reply[0].GetType() | Should -Be ([byte[]])
            $reply[0] | Should -Be $bytes
        }

        It 'sends byte[] nested in an object' {
            $reply = Send-SocketIoEvent $c echo-ack -Data @{ name = 'f'; blob = [byte[]](9, 8) } -Ack
            $reply.blob.GetType() | Should -Be ([byte[]])
            $reply.blob | Should -Be @(9, 8)
        }

        It 'sends several arguments with -ArgumentList' {
            $reply = @(Send-SocketIoEvent $c echo-ack -ArgumentList 'a', 2, @(3, 4), @{ five = 5 } -Ack)
            $reply | Should -HaveCount 4
            $reply[0] | Should -Be 'a'
            $reply[1] | Should -Be 2
            $reply[2] | Should -Be @(3, 4)
            $reply[3].five | Should -Be 5
        }

        It 'writes nothing when the ack has no arguments' {
            $reply = @(Send-SocketIoEvent $c echo-ack -Ack)
            $reply | Should -HaveCount 0
        }

        It 'maps the server''s JSON types (types)' {
            $t = Send-SocketIoEvent $c types -Ack
            $t.int | Should -BeOfType ([int])
            $t.int | Should -Be 42
            $t.big | Should -BeOfType ([long])
            $t.big | Should -Be 9007199254740991
            $t.neg | Should -BeOfType ([int])
            $t.neg | Should -Be -5
            $t.float | Should -BeOfType ([double])
            $t.float | Should -Be 1.5
            $t.whole | Should -Be 2
            $t.str | Should -BeOfType ([string])
            $t.str | Should -Be 'text'
            $t.t | Should -BeTrue
            $t.f | Should -BeOfType ([bool])
            $t.f | Should -BeFalse
            $t.psobject.Properties.Name | Should -Contain 'nil'
            $null -eq $t.nil | Should -BeTrue
            $t.arr.GetType() | Should -Be ([object[]])
            $t.arr.Count | Should -Be 3
            $t.arr[0] | Should -Be 1
            $t.arr[1] | Should -Be 'a'
            $null -eq $t.arr[2] | Should -BeTrue
            $t.nested.a.b | Should -Be @(1, 2)
            $t.unicode | Should -Be "caf$([char]0xE9) $([char]0x20AC)"
            $t.psobject.Properties.Name | Should -Be @('int', 'big', 'neg', 'float', 'whole', 'str', 't', 'f', 'nil', 'arr', 'nested', 'unicode')
        }
    }

    Context 'Piping and events (echo)' {
        It 'emits each piped object as one event, in order' {
            1, 2, 3 | Send-SocketIoEvent $c echo
            $messages = @(Receive-SocketIoEvent $c echo -Count 3 -TimeoutSec 10)
            $messages | Should -HaveCount 3
            $messages.Data | Should -Be @(1, 2, 3)
            $messages | ForEach-Object { $_.Arguments.Count | Should -Be 1 }
        }

        It 'turns objects nested in arrays into PSCustomObjects when read, the same instances on every read' {
            Send-SocketIoEvent $c echo -ArgumentList @(@{ list = @(@{ k = 1 }, @(@{ deep = 'x' })) }), @{ second = 2 }
            $m = Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10
            $m.Data | Should -BeOfType ([System.Management.Automation.PSCustomObject])
            $m.Data.list[0] | Should -BeOfType ([System.Management.Automation.PSCustomObject])
            $m.Data.list[0].k | Should -Be 1
            $m.Data.list[1][0].deep | Should -Be 'x'
            $m.Arguments[1].second | Should -Be 2
            [object]::ReferenceEquals($m.Data, $m.Arguments[0]) | Should -BeTrue
            [object]::ReferenceEquals($m.Data.list[0], $m.Data.list[0]) | Should -BeTrue
        }

        It 'gives every thread the same objects when several read a message first at once' {
            1..20 | ForEach-Object { Send-SocketIoEvent $c echo -Data @{ i = $_; inner = @{ j = $_ } } }
            $messages = @(Receive-SocketIoEvent $c echo -Count 20 -TimeoutSec 10)
            $messages | Should -HaveCount 20
            $seen = [System.Collections.Concurrent.ConcurrentBag[object]]::new()
            $readers = 1..4 | ForEach-Object {
                $ps = [powershell]::Create().AddScript({ param($list, $bag) foreach ($m in $list) { $bag.Add(@($m, $m.Data.inner)) } }).AddArgument($messages).AddArgument($seen)
                [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
            }
            foreach ($r in $readers) {
                $r.Handle.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
                $null = $r.PowerShell.EndInvoke($r.Handle)
                $r.PowerShell.Dispose()
            }
            $seen.Count | Should -Be 80
            foreach ($pair in $seen) {
                [object]::ReferenceEquals($pair[1], $pair[0].Data.inner) | Should -BeTrue
                $pair[1].j | Should -Be $pair[0].Data.i
            }
        }

        It 'delivers SocketIoMessage objects with every property set' {
            $before = [DateTime]::UtcNow.AddSeconds(-1)
            Send-SocketIoEvent $c echo -ArgumentList 'first', 2
            $m = Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10
            $m | Should -BeOfType ([SocketIo.SocketIoMessage])
            $m.EventName | Should -Be 'echo'
            $m.Namespace | Should -Be '/'
            $m.Arguments | Should -Be @('first', 2)
            $m.Data | Should -Be 'first'
            $m.Connection | Should -Be $c
            $m.AckRequested | Should -BeFalse
            $m.ReceivedAt.Kind | Should -Be 'Utc'
            $m.ReceivedAt | Should -BeGreaterThan $before
        }

        It 'returns an acknowledgement and the echoed event for echo with -Ack' {
            $reply = Send-SocketIoEvent $c echo -Data 'both' -Ack
            $reply | Should -Be 'both'
            (Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10).Data | Should -Be 'both'
        }

        It 'sends an empty string and an empty array' {
            Send-SocketIoEvent $c echo -Data ''
            Send-SocketIoEvent $c echo -Data @()
            $messages = @(Receive-SocketIoEvent $c echo -Count 2 -TimeoutSec 10)
            $messages[0].Data | Should -BeExactly ''
            $messages[1].Data.GetType() | Should -Be ([object[]])
            $messages[1].Data.Count | Should -Be 0
        }

        It 'sends a DateTime as an ISO 8601 string and an enum as its name' {
            $when = [DateTime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Utc)
            $reply = Send-SocketIoEvent $c echo-ack -Data @{ when = $when; day = [DayOfWeek]::Friday } -Ack
            $reply.when | Should -BeOfType ([string])
            $reply.when | Should -Match '^2024-05-06T07:08:09'
            $reply.day | Should -Be 'Friday'
        }
    }
}
