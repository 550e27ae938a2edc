Describe 'OctoPrint against the simulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        # Distinctive secrets, so that finding one in any output can only mean it leaked.
        $apiKey = 'KEY' + [guid]::NewGuid().ToString('N')
        $password = 'PW' + [guid]::NewGuid().ToString('N')
        $credential = [pscredential]::new('admin', (ConvertTo-SecureString $password -AsPlainText -Force))
        $server = Start-NodeServer -Script octoprint-sim.js -ArgumentList @(
            '--print-seconds', '3', '--current-interval', '200', '--api-key', $apiKey, '--password', $password)
        $uri = $server.Uri

        # The simulator's state (/test/state), bounded.
        function Get-SimState([string] $BaseUri = $uri) {
            Invoke-RestMethod -Uri "$BaseUri/test/state" -TimeoutSec 5
        }

        # Starts a print once the printer is idle; the previous test's print may be finishing.
        function Start-SimPrint([string] $BaseUri = $uri) {
            if (-not (Wait-Until { (Get-SimState $BaseUri).print.stateId -eq 'OPERATIONAL' } -TimeoutSec 15 -IntervalMs 100)) {
                throw 'The simulated printer did not become operational within 15 s.'
            }
            $answer = Invoke-RestMethod -Method Post -Uri "$BaseUri/test/start" -TimeoutSec 5
            if (-not $answer.started) { throw 'The simulator did not start a print.' }
        }

        # Waits until the simulator has no open socket left (closed connections go asynchronously).
        function Wait-SimIdle {
            if (-not (Wait-Until { (Get-SimState).connected -eq 0 } -TimeoutSec 10 -IntervalMs 100)) {
                throw "The simulator still has open sockets after 10 s: $((Get-SimState).clients | ConvertTo-Json -Compress)"
            }
        }

        # The first "current" read after $After (UTC), or $null at the deadline.
        function Receive-CurrentAfter($Connection, [datetime] $After, [double] $TimeoutSec = 10) {
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
            while (($left = ($deadline - [DateTime]::UtcNow).TotalSeconds) -gt 0) {
                $m = Receive-SocketIoEvent $Connection current -Count 1 -TimeoutSec ([math]::Max(1, [math]::Ceiling($left)))
                if ($m -and $m.ReceivedAt -gt $After) { return $m }
            }
            $null
        }

        # A new PowerShell with its own runspace, the module imported and one OctoPrint connection ($global:c there).
        function New-NestedOctoPrintSession([string] $BaseUri, [string] $Key) {
            $shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
            try {
                $null = $shell.AddScript({
                        param($manifest, $uri, $key)
                        $ErrorActionPreference = 'Stop'
                        Import-Module $manifest
                        $global:c = Connect-OctoPrint $uri -ApiKey $key
                        $global:c
                    }).AddArgument($TestModuleManifest).AddArgument($BaseUri).AddArgument($Key)
                $output = $shell.Invoke()
                if ($shell.HadErrors -or $output.Count -ne 1) { throw "The nested session could not connect: $($shell.Streams.Error -join '; ')" }
                $shell.Commands.Clear()
                @{ Shell = $shell; Connection = $output[0].psobject.BaseObject }
            }
            catch {
                $shell.Dispose()
                throw
            }
        }

        # Stops the nested pipeline and returns how long Stop took ($null when it did not stop in 10 s).
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

    Context 'Connect-OctoPrint' {
        AfterEach {
            Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
        }

        It 'connects with the API key as a plain string and receives connected, history, timelapse, ClientAuthed' {
            $c = Connect-OctoPrint $uri -ApiKey $apiKey
            $c | Should -BeOfType ([SocketIo.OctoPrintConnection])
            $c.State | Should -Be 'Connected'
            $c.UserName | Should -Be 'admin'
            $c.ServerVersion | Should -Be '1.10.3'
            $c.Name | Should -Be '127.0.0.1'
            $c.ThrottleFactor | Should -Be 1
            $c.ConnectedAt | Should -Not -BeNullOrEmpty
            # Connected only after the first history: the status is there at once.
            $c.Status | Should -BeOfType ([SocketIo.OctoPrintStatus])
            $c.Status.State | Should -Be 'Operational'

            $first = @(Receive-SocketIoEvent $c -Count 4 -TimeoutSec 10)
            ($first.EventName -join ',') | Should -BeExactly 'connected,history,timelapse,event'
            $first[0].Data.version | Should -Be '1.10.3'
            $first[1].Data.state.text | Should -Be 'Operational'
            $first[3].Data.type | Should -Be 'ClientAuthed'
            $first[3].Data.payload.username | Should -Be 'admin'
            foreach ($m in $first) {
                $m | Should -BeOfType ([SocketIo.SocketIoMessage])
                $m.Connection | Should -Be $c
            }
        }

        It 'connects with the API key as a SecureString' {
            $secure = ConvertTo-SecureString $apiKey -AsPlainText -Force
            $c = Connect-OctoPrint -Uri $uri -ApiKey $secure -Name 'printer-secure'
            $c.State | Should -Be 'Connected'
            $c.UserName | Should -Be 'admin'
            $c.Name | Should -Be 'printer-secure'
        }

        It 'connects with a PSCredential' {
            $c = Connect-OctoPrint $uri -Credential $credential
            $c.State | Should -Be 'Connected'
            $c.UserName | Should -Be 'admin'
            (Receive-SocketIoEvent $c 'event:ClientAuthed' -Count 1 -TimeoutSec 10).Data.payload.username | Should -Be 'admin'
        }

        It 'connects over <Transport> and receives current messages' -ForEach @(
            @{ Transport = 'WebSocket'; Name = 'websocket' }
            @{ Transport = 'XhrStreaming'; Name = 'xhr-streaming' }
            @{ Transport = 'XhrPolling'; Name = 'xhr-polling' }
        ) {
            $c = Connect-OctoPrint $uri -ApiKey $apiKey -Transport $Transport -Name "via-$Name"
            $c.State | Should -Be 'Connected'
            $c.Transport | Should -Be $Name
            $current = @(Receive-SocketIoEvent $c current -Count 2 -TimeoutSec 10)
            $current | Should -HaveCount 2
            $current[1].Data.state.flags.operational | Should -BeTrue
            # The server agrees: an authenticated socket on that transport (an earlier test's may still be closing).
            Wait-Until { @((Get-SimState).clients | Where-Object { $_.authenticated -and $_.protocol -eq $Name }).Count -eq 1 } -IntervalMs 100 |
                Should -BeTrue
        }

        It 'sends -Subscribe after authenticating' {
            $c = Connect-OctoPrint $uri -ApiKey $apiKey -Transport WebSocket -Subscribe @{ state = @{ logs = $false; messages = $false }; events = @('PrintDone') }
            $c.State | Should -Be 'Connected'
            Wait-Until { @((Get-SimState).clients | Where-Object { $_.authenticated -and $null -ne $_.subscriptions }).Count -eq 1 } -IntervalMs 100 |
                Should -BeTrue
            $subscribed = @((Get-SimState).clients | Where-Object { $_.authenticated -and $null -ne $_.subscriptions })
            $subscribed[0].subscriptions.events | Should -Be @('PrintDone')
            $subscribed[0].subscriptions.state.logs | Should -BeFalse
            $subscribed[0].subscriptions.plugins | Should -BeFalse
        }

        It 'counts unread messages dropped from a small -ReceiveBufferSize' {
            $c = Connect-OctoPrint $uri -ApiKey $apiKey -ReceiveBufferSize 3
            # connected, history, timelapse, ClientAuthed, then a current every 200 ms: the oldest go, so after
            # five drops the three left are currents.
            Wait-Until { $c.UnreadDropped -ge 5 } -TimeoutSec 10 | Should -BeTrue
            $c.Unread | Should -Be 3
            $c.Dropped | Should -BeGreaterOrEqual $c.UnreadDropped
            $table = $c | Format-Table | Out-String -Width 200
            $table | Should -Match '\bDropped\b' -Because 'the default table shows that something was lost'
            @(Receive-SocketIoEvent $c -Count 3 -TimeoutSec 5).EventName | Should -Be @('current', 'current', 'current')
        }

        It 'fails with OctoPrintLoginFailed for a wrong API key' {
            $err = Get-ThrownError { Connect-OctoPrint $uri -ApiKey 'not-the-key' }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintLoginFailed,*'
            $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $err.Exception.StatusCode | Should -Be 403
            $err.Exception.Message | Should -BeLike '*API key*'
            Get-SocketIoConnection | Should -BeNullOrEmpty
        }

        It 'fails with OctoPrintLoginFailed for a wrong password' {
            $wrong = [pscredential]::new('admin', (ConvertTo-SecureString 'wrong-password' -AsPlainText -Force))
            $err = Get-ThrownError { Connect-OctoPrint $uri -Credential $wrong }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintLoginFailed,*'
            $err.Exception.StatusCode | Should -Be 403
            $err.Exception.Message | Should -BeLike '*password*'
            Get-SocketIoConnection | Should -BeNullOrEmpty
        }

        It 'refuses credentials to a non-loopback host over plain http without touching the network (<Kind>)' -ForEach @(
            @{ Kind = 'API key' }
            @{ Kind = 'credential' }
        ) {
            $auth = if ($Kind -eq 'API key') { @{ ApiKey = $apiKey } } else { @{ Credential = $credential } }
            $err = Get-ThrownError { Connect-OctoPrint http://example.invalid @auth }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoUnencryptedCredential,*'
            $err.Exception.Message | Should -BeLike '*example.invalid*'
            # With the switch the same call goes to the network and fails there: the refusal above came first.
            $reached = Get-ThrownError { Connect-OctoPrint http://example.invalid @auth -AllowUnencryptedAuthentication -ConnectionTimeoutSeconds 5 }
            $reached.FullyQualifiedErrorId | Should -BeIn @('SocketIoConnectFailed,SocketIo.PowerShell.Commands.ConnectOctoPrintCommand', 'SocketIoConnectTimeout,SocketIo.PowerShell.Commands.ConnectOctoPrintCommand')
            Get-SocketIoConnection | Should -BeNullOrEmpty
        }
    }

    Context 'Messages and status' {
        BeforeAll {
            $c = Connect-OctoPrint $uri -ApiKey $apiKey -Name 'printer-main'
        }

        AfterAll {
            Get-EventSubscriber | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Unregister-Event -ErrorAction SilentlyContinue
            Get-Event | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Remove-Event -ErrorAction SilentlyContinue
            Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
        }

        AfterEach {
            Get-EventSubscriber | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Unregister-Event
            Get-Event | Where-Object SourceIdentifier -like 'SocketIoTests.*' | Remove-Event
        }

        It 'receives current messages with the printer state (Receive-SocketIoEvent)' {
            $before = [DateTime]::UtcNow.AddSeconds(-60)
            $messages = @(Receive-SocketIoEvent $c current -Count 3 -TimeoutSec 10)
            $messages | Should -HaveCount 3
            foreach ($m in $messages) {
                $m.EventName | Should -BeExactly 'current'
                $m.Namespace | Should -Be ''
                $m.Connection | Should -Be $c
                $m.ReceivedAt.Kind | Should -Be 'Utc'
                $m.ReceivedAt | Should -BeGreaterThan $before
                $m.Data.state.text | Should -Be 'Operational'
                $m.Data.state.flags.operational | Should -BeTrue
                $m.Data.state.flags.printing | Should -BeFalse
                $m.Data.progress.psobject.Properties.Name | Should -Contain 'completion'
                , $m.Data.temps | Should -BeOfType ([object[]])
            }
            $messages[1].ReceivedAt | Should -BeGreaterOrEqual $messages[0].ReceivedAt
        }

        It 'raises event:PrintDone to a Register-SocketIoEvent subscription' {
            Register-SocketIoEvent $c 'event:PrintDone' -SourceIdentifier SocketIoTests.PrintDone
            Start-SimPrint
            $e = Wait-Event -SourceIdentifier SocketIoTests.PrintDone -Timeout 30
            $e | Should -Not -BeNullOrEmpty
            $e | Remove-Event
            $m = $e.SourceEventArgs.Message
            $m.EventName | Should -BeExactly 'event'
            $m.Data.type | Should -BeExactly 'PrintDone'
            $m.Data.payload.name | Should -Be 'benchy.gcode'
            $m.Data.payload.time | Should -BeGreaterThan 0
            $m.Connection | Should -Be $c
            # Only that one event was queued.
            Get-Event -SourceIdentifier SocketIoTests.PrintDone -ErrorAction Ignore | Should -BeNullOrEmpty
        }

        It 'matches event types with a wildcard (event:Print*), case-sensitively' {
            Register-SocketIoEvent $c 'event:Print*' -SourceIdentifier SocketIoTests.PrintStar
            Register-SocketIoEvent $c 'event:printdone' -SourceIdentifier SocketIoTests.LowerCase
            Register-SocketIoEvent $c 'event:ZChange' -SourceIdentifier SocketIoTests.ZChange
            Start-SimPrint
            $job = Wait-OctoPrintJob $c -TimeoutSec 20
            $job.Outcome | Should -Be 'Done'
            # The subscription gets PrintDone right after the job ended; the final PrinterStateChanged follows.
            Wait-Until {
                @(Get-Event -SourceIdentifier SocketIoTests.PrintStar -ErrorAction Ignore |
                    Where-Object { $_.SourceEventArgs.Message.Data.type -eq 'PrintDone' }).Count -eq 1
            } -TimeoutSec 10 | Should -BeTrue
            $types = @(Get-Event -SourceIdentifier SocketIoTests.PrintStar | ForEach-Object { $_.SourceEventArgs.Message.Data.type })
            $types | Should -Contain 'PrintStarted'
            $types | Should -Contain 'PrintDone'
            $types | Should -Contain 'PrinterStateChanged'
            foreach ($type in $types) { $type | Should -BeLikeExactly 'Print*' }
            @(Get-Event -SourceIdentifier SocketIoTests.PrintStar | Where-Object { $_.SourceEventArgs.Message.EventName -ne 'event' }) | Should -HaveCount 0
            # ZChange happened during the print, yet Print* did not take it.
            @(Get-Event -SourceIdentifier SocketIoTests.ZChange -ErrorAction Ignore).Count | Should -BeGreaterThan 0
            $types | Should -Not -Contain 'ZChange'
            Get-Event -SourceIdentifier SocketIoTests.LowerCase -ErrorAction Ignore | Should -BeNullOrEmpty
        }

        It 'shows Printing with a file and a progress during a print (Get-OctoPrintStatus)' {
            Start-SimPrint
            $status = $null
            Wait-Until { $s = Get-OctoPrintStatus $c; $s.Printing -and $s.Progress -gt 0 } -TimeoutSec 10 | Should -BeTrue
            $status = Get-OctoPrintStatus $c
            $status | Should -BeOfType ([SocketIo.OctoPrintStatus])
            $status.Name | Should -Be 'printer-main'
            $status.State | Should -Be 'Printing'
            $status.Printing | Should -BeTrue
            $status.File | Should -Be 'benchy.gcode'
            $status.Progress | Should -BeGreaterThan 0
            $status.Progress | Should -BeLessOrEqual 100
            $status.PrintTimeLeft | Should -BeOfType ([timespan])
            $status.ToolTarget | Should -Be 215
            $status.BedTarget | Should -Be 60
            $status.ToolActual | Should -BeOfType ([double])
            $status.Connection | Should -Be $c
            # The same from the pipeline and from "all of this session's".
            ($c | Get-OctoPrintStatus).Name | Should -Be 'printer-main'
            @(Get-OctoPrintStatus | Where-Object Name -eq 'printer-main') | Should -HaveCount 1

            $table = $status | Format-Table | Out-String -Width 200
            foreach ($column in 'Name', 'State', 'File', 'Progress', 'TimeLeft', 'Tool', 'Bed') { $table | Should -Match "\b$column\b" }
            $table | Should -Match 'printer-main\s+Printing\s+benchy\.gcode\s+\d+[.,]\d%'   # the current culture's decimal point
            $table | Should -Match '\d+[.,]\d/215\s+\d+[.,]\d/60'

            $null = Wait-OctoPrintJob $c -TimeoutSec 20   # leave the printer idle
        }

        It 'returns Outcome Done and ExitCode 0 when the print ends normally (Wait-OctoPrintJob)' {
            Start-SimPrint
            $result = Wait-OctoPrintJob $c -TimeoutSec 20
            $result | Should -BeOfType ([SocketIo.OctoPrintJobResult])
            $result.Outcome | Should -Be 'Done'
            $result.ExitCode | Should -Be 0
            $result.File | Should -Be 'benchy.gcode'
            $result.Name | Should -Be 'printer-main'
            $result.Reason | Should -BeNullOrEmpty
            $result.PrintTime | Should -BeOfType ([timespan])
            $result.PrintTime.TotalSeconds | Should -BeGreaterOrEqual 2
            ($result | Format-Table | Out-String -Width 200) | Should -Match 'printer-main\s+Done\s+benchy\.gcode'
            # The end event and the state change travel in different pushes (event, then the next `current`).
            Wait-Until { -not (Get-OctoPrintStatus $c).Printing } -TimeoutSec 5 | Should -BeTrue
        }

        It 'fails with OctoPrintWaitTimeout when no job ends within -TimeoutSec' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $output = Wait-OctoPrintJob $c -TimeoutSec 1 -ErrorAction SilentlyContinue -ErrorVariable waitErrors
            $clock.Stop()
            $output | Should -BeNullOrEmpty
            $waitErrors | Should -HaveCount 1
            $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'OctoPrintWaitTimeout,*'
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $err = Get-ThrownError { Wait-OctoPrintJob $c -TimeoutSec 1 -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintWaitTimeout,*'
            $c.State | Should -Be 'Connected'
        }

        It 'returns Outcome Cancelled and ExitCode 2 after POST /api/job cancel, with progress while waiting' {
            $nested = New-NestedOctoPrintSession -BaseUri $uri -Key $apiKey
            try {
                Start-SimPrint
                $null = $nested.Shell.AddScript({ Wait-OctoPrintJob $global:c -TimeoutSec 30 })
                $async = $nested.Shell.BeginInvoke()
                # Once the wait shows the running print, it is in its loop: cancel now.
                Wait-Until { @($nested.Shell.Streams.Progress | Where-Object StatusDescription -like 'Printing: benchy.gcode*').Count -ge 1 } -TimeoutSec 10 |
                    Should -BeTrue
                $async.IsCompleted | Should -BeFalse
                $body = @{ command = 'cancel' } | ConvertTo-Json
                $null = Invoke-RestMethod -Method Post -Uri "$uri/api/job" -Headers @{ 'X-Api-Key' = $apiKey } -ContentType 'application/json' -Body $body -TimeoutSec 5

                $async.AsyncWaitHandle.WaitOne(15000) | Should -BeTrue
                $output = $nested.Shell.EndInvoke($async)
                $nested.Shell.HadErrors | Should -BeFalse
                $output | Should -HaveCount 1
                $result = $output[0].psobject.BaseObject
                $result.Outcome | Should -Be 'Cancelled'
                $result.ExitCode | Should -Be 2
                $result.Reason | Should -Be 'cancelled'
                $result.File | Should -Be 'benchy.gcode'
                $progress = @($nested.Shell.Streams.Progress)
                @($progress | Where-Object { $_.PercentComplete -ge 0 -and $_.PercentComplete -le 100 -and $_.RecordType -eq 'Processing' }).Count | Should -BeGreaterThan 0
                $progress[-1].RecordType | Should -Be 'Completed'
            }
            finally { $nested.Shell.Dispose() }
            (Get-SimState).print.lastResult | Should -Be 'cancelled'
        }

        It 'lists OctoPrint connections in Get-SocketIoConnection' {
            $listed = @(Get-SocketIoConnection | Where-Object Id -eq $c.Id)
            $listed | Should -HaveCount 1
            $listed[0] | Should -Be $c
            $listed[0] | Should -BeOfType ([SocketIo.Connection])
            Get-SocketIoConnection -Name 'printer-*' | Should -Be $c
            Get-SocketIoConnection -Id $c.Id | Should -Be $c
            $table = Get-SocketIoConnection -Id $c.Id | Format-Table | Out-String -Width 200
            # One view for every kind of connection: Target is the OctoPrint user.
            $table | Should -Match '\bTarget\b'
            $table | Should -Match ("(?m)^\s*$($c.Id)\s+\S+\s+Connected\s+websocket\s+admin\s+\d+\s+\d+\s+\d+\s+\d+\s+" + [regex]::Escape("$($c.Uri)"))
        }
    }

    Context 'Wait-OctoPrintJob with a failing printer' {
        BeforeAll {
            $failServer = Start-NodeServer -Script octoprint-sim.js -ArgumentList @(
                '--print-seconds', '2', '--current-interval', '200', '--api-key', $apiKey, '--fail')
            $f = Connect-OctoPrint $failServer.Uri -ApiKey $apiKey -Name 'printer-fail'
        }

        AfterAll {
            Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
            Stop-NodeServer $failServer
        }

        It 'returns Outcome Failed and ExitCode 1' {
            Start-SimPrint -BaseUri $failServer.Uri
            $result = Wait-OctoPrintJob -Connection $f -TimeoutSec 20
            $result.Outcome | Should -Be 'Failed'
            $result.ExitCode | Should -Be 1
            $result.Reason | Should -Be 'error'
            $result.File | Should -Be 'benchy.gcode'
            $result.Name | Should -Be 'printer-fail'
        }
    }

    Context 'Against a server that answers a bad key with an anonymous login' {
        BeforeAll {
            $anonymousServer = Start-NodeServer -Script octoprint-sim.js -ArgumentList @('--api-key', $apiKey, '--passive-anonymous')
        }

        AfterAll {
            Stop-NodeServer $anonymousServer
        }

        It 'fails with OctoPrintLoginFailed' {
            $err = Get-ThrownError { Connect-OctoPrint $anonymousServer.Uri -ApiKey 'not-the-key' }
            $err.FullyQualifiedErrorId | Should -BeLike 'OctoPrintLoginFailed,*'
            $err.Exception.Message | Should -BeLike '*anonymous*'
            Get-SocketIoConnection | Should -BeNullOrEmpty
        }
    }

    Context 'Reauthentication, reconnection and disconnection' {
        BeforeEach {
            Wait-SimIdle   # the hooks act on every open socket
        }

        AfterEach {
            Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
        }

        It 'stays Connected and keeps receiving current after <Hook> (<Kind>)' -ForEach @(
            @{ Hook = 'test/reauth'; Kind = 'API key' }
            @{ Hook = 'test/reauth'; Kind = 'credential' }
            @{ Hook = 'test/expire-sessions?notify=1'; Kind = 'API key' }
            @{ Hook = 'test/expire-sessions?notify=1'; Kind = 'credential' }
        ) {
            $auth = if ($Kind -eq 'API key') { @{ ApiKey = $apiKey } } else { @{ Credential = $credential } }
            $c = Connect-OctoPrint $uri @auth
            $null = Invoke-RestMethod -Method Post -Uri "$uri/$Hook" -TimeoutSec 5
            $reauth = Receive-SocketIoEvent $c reauthRequired -Count 1 -TimeoutSec 10
            $reauth | Should -Not -BeNullOrEmpty
            $reauth.Data.reason | Should -Be 'stale'
            # The server sends no current to an anonymous socket: one after reauthRequired proves the new auth.
            $fresh = Receive-CurrentAfter $c $reauth.ReceivedAt
            $fresh | Should -Not -BeNullOrEmpty
            $c.State | Should -Be 'Connected'
            $c.Reconnects | Should -Be 0
            $c.UserName | Should -Be 'admin'
            @((Get-SimState).clients | Where-Object authenticated) | Should -HaveCount 1
        }

        It 'reconnects after the server closes the session with <Query> (<Kind>)' -ForEach @(
            @{ Query = 'code=3000'; Kind = 'API key' }
            @{ Query = 'code=1011'; Kind = 'API key' }
            @{ Query = 'abort=1'; Kind = 'API key' }
            @{ Query = 'code=3000&expire=1'; Kind = 'API key' }
            @{ Query = 'code=3000&expire=1'; Kind = 'credential' }
        ) {
            $auth = if ($Kind -eq 'API key') { @{ ApiKey = $apiKey } } else { @{ Credential = $credential } }
            $c = Connect-OctoPrint $uri @auth
            $firstConnectedAt = $c.ConnectedAt
            $answer = Invoke-RestMethod -Method Post -Uri "$uri/test/disconnect?$Query" -TimeoutSec 5
            $answer.closed | Should -Be 1
            Wait-Until { $c.Reconnects -ge 1 -and $c.State -eq 'Connected' } -TimeoutSec 15 -IntervalMs 50 | Should -BeTrue
            $c.State | Should -Be 'Connected'
            $c.Reconnects | Should -BeGreaterOrEqual 1
            $c.ConnectedAt | Should -BeGreaterThan $firstConnectedAt
            $c.UserName | Should -Be 'admin'
            Receive-CurrentAfter $c $c.ConnectedAt | Should -Not -BeNullOrEmpty
            Get-OctoPrintStatus $c | Should -Not -BeNullOrEmpty
        }

        It 'ends for good when the server closes the session with code 1000' {
            $c = Connect-OctoPrint $uri -ApiKey $apiKey
            $null = Invoke-RestMethod -Method Post -Uri "$uri/test/disconnect?code=1000" -TimeoutSec 5
            Wait-Until { $c.State -eq 'Disconnected' } -TimeoutSec 10 | Should -BeTrue
            $c.Reconnects | Should -Be 0
            $c.DisconnectReason | Should -BeLike '*1000*'
            # A reader without -Count or -TimeoutSec drains the mailbox and ends.
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $rest = @(Receive-SocketIoEvent $c)
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $rest.EventName | Should -Contain 'history'
            $err = Get-ThrownError { Wait-OctoPrintJob $c -TimeoutSec 5 -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoNotConnected,*'
        }

        It 'disconnects OctoPrint connections with Disconnect-SocketIo, and the server sees it' {
            $a = Connect-OctoPrint $uri -ApiKey $apiKey -Name 'printer-a' -Transport WebSocket
            $b = Connect-OctoPrint $uri -Credential $credential -Name 'printer-b' -Transport WebSocket
            (Get-SimState).authenticated | Should -Be 2

            Get-SocketIoConnection -Name 'printer-a' | Disconnect-SocketIo
            $a.State | Should -Be 'Disconnected'
            $a.DisconnectReason | Should -Be 'client disconnect'
            @(Get-SocketIoConnection).Id | Should -Not -Contain $a.Id
            $b.State | Should -Be 'Connected'
            Wait-Until { (Get-SimState).authenticated -eq 1 } -TimeoutSec 10 -IntervalMs 100 | Should -BeTrue

            Disconnect-SocketIo -Connection $b
            $b.State | Should -Be 'Disconnected'
            Get-SocketIoConnection | Should -BeNullOrEmpty
            Wait-Until { (Get-SimState).connected -eq 0 } -TimeoutSec 10 -IntervalMs 100 | Should -BeTrue
            { Disconnect-SocketIo $b -ErrorAction Stop } | Should -Not -Throw
        }
    }

    Context 'Ctrl+C during Wait-OctoPrintJob' {
        It 'stops a running Wait-OctoPrintJob within 3 s' {
            $nested = New-NestedOctoPrintSession -BaseUri $uri -Key $apiKey
            try {
                $connection = $nested.Connection
                $null = $nested.Shell.AddScript({ Wait-OctoPrintJob $global:c })
                $async = $nested.Shell.BeginInvoke()
                Wait-Until { $nested.Shell.InvocationStateInfo.State -eq 'Running' } | Should -BeTrue
                # A progress record means the cmdlet is in its wait loop.
                Wait-Until { $nested.Shell.Streams.Progress.Count -ge 1 } -TimeoutSec 10 | Should -BeTrue
                $async.IsCompleted | Should -BeFalse

                $elapsed = Measure-Stop $nested.Shell
                $elapsed | Should -Not -BeNullOrEmpty -Because 'Stop() must return'
                $elapsed.TotalSeconds | Should -BeLessThan 3
                $nested.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
                $connection.State | Should -Be 'Connected'   # stopping the wait does not close the connection
            }
            finally { $nested.Shell.Dispose() }
        }
    }

    Context 'Ctrl+C during the login' {
        BeforeAll {
            # Accepts TCP connections (the kernel does, into the backlog) and never answers: the login hangs.
            $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $silent.Start()
        }

        AfterAll {
            $silent.Stop()
        }

        It 'stops Connect-OctoPrint while the server does not answer, within 3 s' {
            $shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
            try {
                $null = $shell.AddScript({
                        param($manifest, $uri)
                        Import-Module $manifest
                        Connect-OctoPrint $uri -ApiKey 'irrelevant' -ConnectionTimeoutSeconds 60
                    }).AddArgument($TestModuleManifest).AddArgument("http://127.0.0.1:$($silent.LocalEndpoint.Port)")
                $async = $shell.BeginInvoke()
                # The login request reached the listener: the cmdlet now waits for an answer that never comes.
                Wait-Until { $silent.Pending() } -TimeoutSec 15 | Should -BeTrue
                $async.IsCompleted | Should -BeFalse

                $elapsed = Measure-Stop $shell
                $elapsed | Should -Not -BeNullOrEmpty -Because 'Stop() must return'
                $elapsed.TotalSeconds | Should -BeLessThan 3
                $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $shell.Dispose() }
        }
    }

    Context 'Secrets' {
        AfterEach {
            Get-SocketIoConnection | Disconnect-SocketIo -ErrorAction SilentlyContinue
        }

        It 'never shows the API key, the password or a session token in any stream, error or formatting' {
            # What a session token looks like: OctoPrint's login answers one (64 hex characters).
            $login = Invoke-RestMethod -Method Post -Uri "$uri/api/login" -Headers @{ 'X-Api-Key' = $apiKey } -ContentType 'application/json' -Body '{"passive":true}' -TimeoutSec 5
            $login.session | Should -Match '^[0-9a-f]{64}$'
            $sessionPattern = '[0-9a-fA-F]{64}'
            $badKey = 'BADKEY' + [guid]::NewGuid().ToString('N')
            $badPassword = 'BADPW' + [guid]::NewGuid().ToString('N')
            $badCredential = [pscredential]::new('admin', (ConvertTo-SecureString $badPassword -AsPlainText -Force))
            $Error.Clear()   # $Error holds at most $MaximumErrorCount records: start from none

            $captured = & {
                $keyConnection = Connect-OctoPrint $uri -ApiKey $apiKey -Verbose -Debug
                $keyConnection
                $credentialConnection = Connect-OctoPrint $uri -Credential $credential -Verbose -Debug
                $credentialConnection
                $secureConnection = Connect-OctoPrint $uri -ApiKey (ConvertTo-SecureString $apiKey -AsPlainText -Force) -Transport XhrPolling -Verbose -Debug
                $secureConnection
                try { Connect-OctoPrint $uri -ApiKey $badKey -Verbose -Debug } catch { $_ }
                try { Connect-OctoPrint $uri -Credential $badCredential -Verbose -Debug } catch { $_ }
                Get-OctoPrintStatus -Verbose -Debug
                Wait-OctoPrintJob $keyConnection -TimeoutSec 1 -Verbose -Debug -ErrorAction Continue   # the runner sets Stop
                Get-SocketIoConnection -Verbose -Debug
                Disconnect-SocketIo $secureConnection -Verbose -Debug
            } *>&1

            $objects = @($captured)
            $connections = @($objects | Where-Object { $_ -is [SocketIo.OctoPrintConnection] })
            $errors = @($objects | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $newErrors = @($Error)
            $text = [System.Text.StringBuilder]::new()
            foreach ($item in $objects + $newErrors) {
                $null = $text.AppendLine(($item | Out-String -Width 500))
                $null = $text.AppendLine(($item | Format-List * -Force | Out-String -Width 500))
                $null = $text.AppendLine("$item")
                if ($item -is [System.Management.Automation.ErrorRecord]) {
                    $null = $text.AppendLine($item.Exception.ToString())
                    $null = $text.AppendLine(($item.TargetObject | Out-String -Width 500))
                    $null = $text.AppendLine(($item.Exception | Format-List * -Force | Out-String -Width 500))
                    $null = $text.AppendLine("$($item.ErrorDetails)")
                }
            }
            foreach ($connection in $connections) {
                $null = $text.AppendLine($connection.ToString())
                $null = $text.AppendLine(($connection | Format-List * | Out-String -Width 500))
                $null = $text.AppendLine(($connection | Format-Table * | Out-String -Width 500))
                $null = $text.AppendLine(($connection.Status | Format-List * | Out-String -Width 500))
            }
            $all = $text.ToString()

            # The capture really holds what was asked for...
            $connections | Should -HaveCount 6   # three from Connect-OctoPrint, the same three from Get-SocketIoConnection
            @($objects | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 3
            $all | Should -Match 'Authenticated as admin'
            @($errors | Where-Object FullyQualifiedErrorId -like 'OctoPrintLoginFailed,*') | Should -HaveCount 2
            @($errors | Where-Object FullyQualifiedErrorId -like 'OctoPrintWaitTimeout,*') | Should -HaveCount 1
            @($objects | Where-Object { $_ -is [SocketIo.OctoPrintStatus] }).Count | Should -BeGreaterOrEqual 2
            $newErrors.Count | Should -BeGreaterOrEqual 3
            # ...and none of the secrets.
            $all.Contains($apiKey) | Should -BeFalse -Because 'the API key must not appear'
            $all.Contains($password) | Should -BeFalse -Because 'the password must not appear'
            $all.Contains($badKey) | Should -BeFalse -Because 'a rejected API key must not appear either'
            $all.Contains($badPassword) | Should -BeFalse -Because 'a rejected password must not appear either'
            $all | Should -Not -Match $sessionPattern -Because 'no session token may appear'
        }
    }
}
