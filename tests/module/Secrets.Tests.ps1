# Secrets never appear in any PowerShell stream, ErrorRecord, exception text or rendering of the module's objects.
# Every secret is distinctive (a fixed prefix and a GUID), so finding one anywhere can only mean it leaked. Secrets are
# passed through variables, never typed literally in a command, so PowerShell's own echo of the command line (an
# ErrorRecord's position message) does not contain them either.
Describe 'Secrets stay out of streams, errors and renderings' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

        function New-Secret([string] $Kind) { "S3cr3t-$Kind-" + [guid]::NewGuid().ToString('N') }
        $secrets = [ordered]@{
            AuthToken   = New-Secret auth
            AuthNested  = New-Secret nested
            Bearer      = New-Secret bearer
            Cookie      = New-Secret cookie
            QueryToken  = New-Secret qtoken
            QueryKey    = New-Secret qkey
            UriToken    = New-Secret uritoken
            ApiKey      = New-Secret apikey
            WrongApiKey = New-Secret wrongkey
            Password    = New-Secret password
            WrongPass   = New-Secret wrongpw
        }
        $server = Start-NodeServer
        $octo = Start-NodeServer -Script octoprint-sim.js -ArgumentList @(
            '--current-interval', '100', '--print-seconds', '1', '--api-key', $secrets.ApiKey, '--password', $secrets.Password)
        $closedPort = Get-ClosedPort
        $loud = @{ Verbose = $true; Debug = $true }

        # Everything a connect can carry: -Auth (nested too), Authorization and Cookie headers, -Query, the URI's query.
        $socketIoSecrets = @{
            Auth    = @{ token = $secrets.AuthToken; nested = @{ deeper = $secrets.AuthNested } }
            Headers = @{ Authorization = "Bearer $($secrets.Bearer)"; Cookie = "sid=$($secrets.Cookie)" }
            Query   = @{ token = $secrets.QueryToken; key = $secrets.QueryKey }
        }

        # Each item as text, the way a user or a log could see it.
        function ConvertTo-Rendering($Item) {
            if ($null -eq $Item) { return '' }
            $parts = [System.Collections.Generic.List[string]]::new()
            $parts.Add([string]$Item)
            $parts.Add(($Item | Format-List * -Force | Out-String -Width 500))
            switch ($Item) {
                { $_ -is [System.Management.Automation.ErrorRecord] } {
                    $parts.Add(($_ | Out-String -Width 500))
                    $parts.Add($_.Exception.ToString())
                    $parts.Add([string]$_.ErrorDetails)
                    $parts.Add([string]$_.CategoryInfo)
                    $parts.Add([string]$_.FullyQualifiedErrorId)
                    if ($null -ne $_.TargetObject) {
                        $parts.Add([string]$_.TargetObject)
                        $parts.Add(($_.TargetObject | Format-List * -Force | Out-String -Width 500))
                        $parts.Add(($_.TargetObject | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue))
                    }
                    foreach ($property in $_.Exception.psobject.Properties) {
                        if ($property.Name -in 'TargetSite', 'StackTrace') { continue }
                        try { $parts.Add(($property.Value | Out-String -Width 500)) } catch { }
                    }
                }
                { $_ -is [System.Management.Automation.InformationalRecord] } { $parts.Add($_.Message) }
                { $_ -is [System.Management.Automation.InformationRecord] } { $parts.Add([string]$_.MessageData) }
            }
            $parts -join "`n"
        }

        # Runs a script block with every stream merged into the output (*>&1), verbose, debug and information on,
        # catching a terminating error; returns all of it, and the ErrorRecords added to $Error, as text.
        function Invoke-Captured([scriptblock] $ScriptBlock) {
            $Error.Clear()
            $items = & {
                $ErrorActionPreference = 'Continue' # every command runs, whatever the one before it wrote
                $VerbosePreference = 'Continue'
                $DebugPreference = 'Continue'
                $InformationPreference = 'Continue'
                $WarningPreference = 'Continue'
                try { & $ScriptBlock }
                catch {
                    if ($_.FullyQualifiedErrorId -like 'PesterAssertionFailed*') { throw } # a Should inside the block
                    $_
                }
            } *>&1
            $all = @($items) + @($Error)
            ($all | ForEach-Object { ConvertTo-Rendering $_ }) -join "`n"
        }

        # The real Engine.IO session id (the connection shows only a fingerprint of it).
        function Get-EngineSid($Connection) {
            $socket = [SocketIo.SocketIoConnection].GetProperty('Socket', [Reflection.BindingFlags]'NonPublic, Instance').GetValue($Connection)
            $socket.Manager.Engine.Handshake.Sid
        }

        function Assert-NoSecret([string] $Text, [string] $What) {
            $Text | Should -Not -BeNullOrEmpty -Because "$What should have produced something to search"
            foreach ($name in $secrets.Keys) {
                $Text.Contains($secrets[$name]) | Should -BeFalse -Because "the $name must not appear in $What"
            }
            # OctoPrint login sessions are 64 hex characters; none may show up either.
            $Text | Should -Not -Match '(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])' -Because "no session token may appear in $What"
        }
    }

    AfterAll {
        Stop-TestEnvironment $server
        Stop-NodeServer $octo
    }

    Context 'Connect-SocketIo and the cmdlets on its connection' {
        It 'leaks nothing while everything succeeds, with -Verbose and -Debug' {
            $uri = "$($server.Uri)/?token=$($secrets.UriToken)"
            $text = Invoke-Captured {
                $c = Connect-SocketIo $uri @socketIoSecrets @loud
                $second = Connect-SocketIo $uri -Namespace /admin -Auth @{ token = 'secret' } -Headers $socketIoSecrets.Headers @loud
                $c
                $second
                $script:engineSid = Get-EngineSid $c
                $script:engineSid | Should -Not -BeNullOrEmpty
                Register-SocketIoEvent $c -Lifecycle -SourceIdentifier SocketIoTests.SecretsLifecycle @loud
                Register-SocketIoEvent $c -Outgoing -SourceIdentifier SocketIoTests.SecretsOutgoing @loud
                Register-SocketIoEvent $c -EventName echo -SourceIdentifier SocketIoTests.SecretsEcho @loud
                Send-SocketIoEvent $c echo -Data 'hello' @loud
                Send-SocketIoEvent $c echo-ack -Data 'ack me' -Ack @loud
                Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10 @loud
                Send-SocketIoEvent $c echo -Data 'again' @loud
                Wait-SocketIoEvent $c echo -TimeoutSec 10 @loud
                # A reconnect sends the auth payload again: still nothing in any stream.
                Send-SocketIoEvent $c close-transport @loud
                Wait-Until { $c.Reconnects -ge 1 -and $c.State -eq 'Connected' } -TimeoutSec 15 | Should -BeTrue
                Send-SocketIoEvent $c echo-ack -Data 'after reconnect' -Ack @loud
                Get-SocketIoConnection @loud
                Get-SocketIoConnection | Format-Table * | Out-String
                Get-Event -SourceIdentifier SocketIoTests.Secrets* | ForEach-Object { $_; $_.SourceArgs; $_.SourceEventArgs; $_.MessageData }
                Get-EventSubscriber -SourceIdentifier SocketIoTests.Secrets* | Unregister-Event
                Disconnect-SocketIo $c, $second @loud
                Disconnect-SocketIo $c @loud
            }
            Assert-NoSecret $text 'a successful Socket.IO session'
            $text.Contains($script:engineSid) | Should -BeFalse -Because 'the Engine.IO session id lets anyone speak for the session'
        }

        It 'leaks nothing in the rendering of a connection and of its messages' {
            $c = Connect-SocketIo "$($server.Uri)/?token=$($secrets.UriToken)" @socketIoSecrets
            try {
                Send-SocketIoEvent $c echo -Data @{ note = 'x' }
                $message = Receive-SocketIoEvent $c echo -Count 1 -TimeoutSec 10
                $message | Should -Not -BeNullOrEmpty
                $text = @(
                    ConvertTo-Rendering $c
                    ($c | ConvertTo-Json -Depth 2 -WarningAction SilentlyContinue)
                    ($c | Format-Table * | Out-String -Width 500)
                    ConvertTo-Rendering $message
                    ($message | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue)
                ) -join "`n"
                Assert-NoSecret $text 'ToString(), Format-List *, Format-Table * and ConvertTo-Json of a connection and a message'
                $sid = Get-EngineSid $c
                $sid | Should -Not -BeNullOrEmpty
                $text.Contains($sid) | Should -BeFalse -Because 'the Engine.IO session id is a session secret'
                $c.EngineSessionId | Should -Not -BeNullOrEmpty -Because 'a fingerprint still tells sessions apart'
                $c.Auth.token | Should -Be '********'
                $c.Auth = $c.Auth   # assigning the masked view back changes nothing
                Disconnect-SocketIo $c
                $c = Connect-SocketIo $server.Uri -Namespace /admin -Auth @{ token = 'secret' }
                $c.Auth = $c.Auth
                Send-SocketIoEvent $c handshake -Ack | ForEach-Object { $_.auth.token } | Should -Be 'secret'
            }
            finally { Disconnect-SocketIo $c }
        }

        It 'leaks nothing when the connection fails: <Case>' -ForEach @(
            @{ Case = 'auth rejected'; Extra = @{ Namespace = '/admin' } }
            @{ Case = 'connection refused'; Port = 'closed' }
            @{ Case = 'wrong path (404)'; Extra = @{ Path = '/nope/' } }
            @{ Case = 'TLS to a plain server'; Scheme = 'https' }
            @{ Case = 'DNS failure'; HostName = 'no-such-host.invalid'; Extra = @{ AllowUnencryptedAuthentication = $true } }
            @{ Case = 'credentials over plain http to a remote host'; HostName = 'no-such-host.invalid' }
            @{ Case = 'an auth payload that cannot be serialized'; BadAuth = $true }
        ) {
            $port = if ($Port -eq 'closed') { $closedPort } else { $server.Port }
            $targetHost = if ($HostName) { $HostName } else { '127.0.0.1' }
            $scheme = if ($Scheme) { $Scheme } else { 'http' }
            $uri = "${scheme}://${targetHost}:$port/?token=$($secrets.UriToken)"
            $parameters = @{} + $socketIoSecrets
            if ($BadAuth) { $parameters.Auth = @{ token = $secrets.AuthToken; callback = { 'not data' } } }
            if ($Extra) { $parameters += $Extra }
            $text = Invoke-Captured { Connect-SocketIo $uri @parameters -TimeoutSec 10 -ErrorAction Stop @loud }
            $text | Should -Match 'SocketIo' -Because 'the connect must have failed with one of the module''s errors'
            Assert-NoSecret $text "a failed connect ($Case)"
        }

        It 'leaks nothing when a send fails' {
            $c = Connect-SocketIo $server.Uri @socketIoSecrets
            try {
                $secure = ConvertTo-SecureString $secrets.Password -AsPlainText -Force
                $text = Invoke-Captured {
                    Send-SocketIoEvent $c no-ack -Data 1 -Ack -TimeoutSec 1 @loud
                    Send-SocketIoEvent $c echo -Data @{ password = $secure } @loud
                    Send-SocketIoEvent $c connect -Data 1 @loud
                }
                $text | Should -Match 'SocketIoAckTimeout'
                $text | Should -Match 'SocketIoSerializationError'
                Assert-NoSecret $text 'failed sends'
            }
            finally { Disconnect-SocketIo $c }
        }
    }

    Context 'Connect-OctoPrint and the cmdlets on its connection' {
        It 'leaks nothing while everything succeeds, with -ApiKey, -Verbose and -Debug' {
            $key = $secrets.ApiKey
            $text = Invoke-Captured {
                $o = Connect-OctoPrint $octo.Uri -ApiKey $key @loud
                $o
                Get-OctoPrintStatus $o @loud
                Receive-SocketIoEvent $o -Count 3 -TimeoutSec 10 @loud
                Register-SocketIoEvent $o -EventName 'event:*' -SourceIdentifier SocketIoTests.SecretsOcto @loud
                Wait-OctoPrintJob $o -TimeoutSec 1 @loud
                Wait-SocketIoEvent $o current -TimeoutSec 10 @loud
                Get-Event -SourceIdentifier SocketIoTests.SecretsOcto | ForEach-Object { $_; $_.SourceEventArgs }
                Get-EventSubscriber -SourceIdentifier SocketIoTests.SecretsOcto | Unregister-Event
                Get-SocketIoConnection @loud
                ConvertTo-Rendering $o
                $o | ConvertTo-Json -Depth 2 -WarningAction SilentlyContinue
                Disconnect-SocketIo $o @loud
            }
            Assert-NoSecret $text 'a successful OctoPrint session (API key)'
        }

        It 'leaks nothing while everything succeeds, with -Credential' {
            $credential = [pscredential]::new('admin', (ConvertTo-SecureString $secrets.Password -AsPlainText -Force))
            $text = Invoke-Captured {
                $o = Connect-OctoPrint $octo.Uri -Credential $credential @loud
                $o
                Get-OctoPrintStatus $o @loud
                Receive-SocketIoEvent $o -Count 3 -TimeoutSec 10 @loud
                Disconnect-SocketIo $o @loud
            }
            Assert-NoSecret $text 'a successful OctoPrint session (credential)'
        }

        It 'leaks nothing when the login fails: <Case>' -ForEach @(
            @{ Case = 'wrong API key'; Wrong = 'ApiKey' }
            @{ Case = 'wrong password'; Wrong = 'Password' }
            @{ Case = 'connection refused'; Wrong = 'Port' }
            @{ Case = 'API key over plain http to a remote host'; Wrong = 'Host' }
        ) {
            $uri = switch ($Wrong) {
                'Port' { "http://127.0.0.1:$closedPort" }
                'Host' { 'http://no-such-host.invalid' }
                default { $octo.Uri }
            }
            $text = if ($Wrong -eq 'Password') {
                $credential = [pscredential]::new('admin', (ConvertTo-SecureString $secrets.WrongPass -AsPlainText -Force))
                Invoke-Captured { Connect-OctoPrint $uri -Credential $credential -TimeoutSec 10 -ErrorAction Stop @loud }
            }
            else {
                $key = if ($Wrong -eq 'ApiKey') { $secrets.WrongApiKey } else { $secrets.ApiKey }
                Invoke-Captured { Connect-OctoPrint $uri -ApiKey $key -TimeoutSec 10 -ErrorAction Stop @loud }
            }
            $text | Should -Match '(OctoPrint|SocketIo)[A-Za-z]+' -Because 'the connect must have failed with one of the module''s errors'
            Assert-NoSecret $text "a failed OctoPrint connect ($Case)"
        }
    }
}
