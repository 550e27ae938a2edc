# Bad input at the cmdlet level, one test per row of the table in issue 7's note: each yields an ErrorRecord with a
# stable ErrorId, the right category and a message naming what was wrong, and the session stays usable afterwards
# (a good command right after it works).
Describe 'Bad input at the cmdlet level' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        $small = Start-NodeServer -ArgumentList '--max-payload', '1000'
        $octoKey = 'KEY' + [guid]::NewGuid().ToString('N')
        $octo = Start-NodeServer -Script octoprint-sim.js -ArgumentList '--api-key', $octoKey, '--current-interval', '200'
        $c = Connect-SocketIo $server.Uri

        # A good command after the bad one: the shared connection still answers, and a new connect works.
        function Assert-SessionUsable {
            Send-SocketIoEvent $c echo-ack -Data 'still here' -Ack -TimeoutSec 10 | Should -Be 'still here'
            $fresh = Connect-SocketIo $server.Uri -NoReconnect
            try { Send-SocketIoEvent $fresh echo-ack -Data 'fresh' -Ack -TimeoutSec 10 | Should -Be 'fresh' }
            finally { Disconnect-SocketIo $fresh }
        }

        function Assert-Error($Err, [string] $ErrorId, [string] $Category, [string[]] $Mentions) {
            $Err | Should -Not -BeNullOrEmpty -Because 'the command must fail'
            $Err | Should -BeOfType ([System.Management.Automation.ErrorRecord])
            $Err.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $Err.CategoryInfo.Category | Should -Be $Category
            foreach ($text in $Mentions) { $Err.ToString() | Should -Match $text }
        }
    }

    AfterAll {
        Stop-TestEnvironment $server
        Stop-NodeServer $small
        Stop-NodeServer $octo
    }

    It 'invalid URI → SocketIoInvalidUri' {
        $err = Get-ThrownError { Connect-SocketIo 'not a uri' -ErrorAction Stop }
        Assert-Error $err SocketIoInvalidUri InvalidArgument @("'not a uri'", 'absolute URI')
        Assert-SessionUsable
    }

    It 'unsupported scheme → SocketIoInvalidUri' {
        $err = Get-ThrownError { Connect-SocketIo 'ftp://127.0.0.1/' -ErrorAction Stop }
        Assert-Error $err SocketIoInvalidUri InvalidArgument @("scheme 'ftp'", 'http, https, ws or wss')
        Assert-SessionUsable
    }

    It 'a namespace that is not one → SocketIoInvalidNamespace' {
        $err = Get-ThrownError { Connect-SocketIo $server.Uri -Namespace 'admin' -ErrorAction Stop }
        Assert-Error $err SocketIoInvalidNamespace InvalidArgument @("'admin'", "start with '/'")
        Assert-SessionUsable
    }

    It 'refused connection → SocketIoConnectFailed' {
        $port = Get-ClosedPort
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $err = Get-ThrownError { Connect-SocketIo "http://127.0.0.1:$port" -TimeoutSec 10 -ErrorAction Stop }
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 8 -Because 'a refusal is reported at once, not at the timeout'
        Assert-Error $err SocketIoConnectFailed ConnectionError @("127\.0\.0\.1:$port", 'refused')
        Assert-SessionUsable
    }

    It 'DNS failure → SocketIoConnectFailed' {
        $err = Get-ThrownError { Connect-SocketIo 'http://no-such-host.invalid' -TimeoutSec 10 -ErrorAction Stop }
        Assert-Error $err SocketIoConnectFailed ConnectionError @('no-such-host\.invalid')
        Assert-SessionUsable
    }

    It 'TLS failure (https to a server that does not speak TLS) → SocketIoCertificateError' {
        $err = Get-ThrownError { Connect-SocketIo ($server.Uri -replace '^http:', 'https:') -TimeoutSec 10 -ErrorAction Stop }
        Assert-Error $err SocketIoCertificateError SecurityError @('TLS', "https://127\.0\.0\.1:$($server.Port)")
        Assert-SessionUsable
    }

    It 'wrong path (404) → SocketIoConnectFailed' {
        $err = Get-ThrownError { Connect-SocketIo $server.Uri -Path '/nope/' -TimeoutSec 10 -ErrorAction Stop }
        Assert-Error $err SocketIoConnectFailed ConnectionError @('404', '/nope/')
        Assert-SessionUsable
    }

    It 'a server that never answers → SocketIoConnectTimeout' {
        # Listening, so the TCP connect succeeds, but nothing ever reads the request.
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $err = Get-ThrownError { Connect-SocketIo "http://127.0.0.1:$($silent.LocalEndpoint.Port)" -TimeoutSec 1 -ErrorAction Stop }
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 6
        }
        finally { $silent.Stop() }
        Assert-Error $err SocketIoConnectTimeout OperationTimeout @('1 s')
        Assert-SessionUsable
    }

    It 'namespace rejected → SocketIoConnectRejected (ObjectNotFound)' {
        $err = Get-ThrownError { Connect-SocketIo $server.Uri -Namespace /no-such-namespace -ErrorAction Stop }
        Assert-Error $err SocketIoConnectRejected ObjectNotFound @("namespace '/no-such-namespace'", 'Invalid namespace')
        Assert-SessionUsable
    }

    It 'auth rejected → SocketIoConnectRejected (AuthenticationError)' {
        $err = Get-ThrownError { Connect-SocketIo $server.Uri -Auth @{ token = 'bad' } -ErrorAction Stop }
        Assert-Error $err SocketIoConnectRejected AuthenticationError @("namespace '/'", 'auth rejected')
        $err.Exception.ServerData.reason | Should -Be 'bad token'
        Assert-SessionUsable
    }

    It 'credentials over plain http to a remote host → SocketIoUnencryptedCredential' {
        $err = Get-ThrownError { Connect-SocketIo 'http://remote.invalid' -Auth @{ token = 'x' } -ErrorAction Stop }
        Assert-Error $err SocketIoUnencryptedCredential InvalidArgument @('remote\.invalid', 'unencrypted http')
        Assert-SessionUsable
    }

    It 'OctoPrint: wrong API key → OctoPrintLoginFailed' {
        $err = Get-ThrownError { Connect-OctoPrint $octo.Uri -ApiKey 'not-the-key' -TimeoutSec 10 -ErrorAction Stop }
        Assert-Error $err OctoPrintLoginFailed AuthenticationError @('403|key|login')
        Assert-SessionUsable
        $o = Connect-OctoPrint $octo.Uri -ApiKey $octoKey
        try { $o.State | Should -Be 'Connected' } finally { Disconnect-SocketIo $o }
    }

    It 'reserved event name → SocketIoReservedEventName' {
        $err = Get-ThrownError { Send-SocketIoEvent $c disconnect -Data 1 -ErrorAction Stop }
        Assert-Error $err SocketIoReservedEventName InvalidArgument @("'disconnect'", 'reserved')
        Assert-SessionUsable
    }

    It 'data that cannot be serialized → SocketIoSerializationError' {
        $err = Get-ThrownError { Send-SocketIoEvent $c echo -Data @{ handler = { 'code' } } -ErrorAction Stop }
        Assert-Error $err SocketIoSerializationError InvalidData @('script block')
        $cyclic = [pscustomobject]@{ name = 'loop' }
        $cyclic | Add-Member -NotePropertyName self -NotePropertyValue $cyclic
        $err = Get-ThrownError { Send-SocketIoEvent $c echo -Data $cyclic -Ack -ErrorAction Stop }
        Assert-Error $err SocketIoSerializationError InvalidData @('cycle')
        Assert-SessionUsable
    }

    It 'oversize payload (server --max-payload 1000) → SocketIoPayloadTooLarge' {
        $s = Connect-SocketIo $small.Uri
        try {
            $err = Get-ThrownError { Send-SocketIoEvent $s echo -Data ('x' * 2000) -ErrorAction Stop }
            Assert-Error $err SocketIoPayloadTooLarge LimitsExceeded @('\b1000 bytes', 'maxPayload')
            $s.State | Should -Be 'Connected'
            Send-SocketIoEvent $s echo-ack -Data 'small' -Ack | Should -Be 'small'
        }
        finally { Disconnect-SocketIo $s }
        Assert-SessionUsable
    }

    It 'more than 10 attachments in one emit → SocketIoTooManyAttachments, nothing sent' {
        $sentBefore = $c.EventsSent
        $blobs = 1..11 | ForEach-Object { , [byte[]]@($_) }
        $err = Get-ThrownError { Send-SocketIoEvent $c echo -ArgumentList $blobs -ErrorAction Stop }
        Assert-Error $err SocketIoTooManyAttachments LimitsExceeded @('11 binary attachments', 'at most 10')
        $c.EventsSent | Should -Be $sentBefore
        $ten = Send-SocketIoEvent $c echo-ack -ArgumentList ($blobs | Select-Object -First 10) -Ack
        @($ten) | Should -HaveCount 10
        Assert-SessionUsable
    }

    It 'a message from the server over -MaximumMessageSize closes that connection with "parse error"' {
        # WebSocket only: on polling the echo can close the session (parse error) before the POST that carried the emit
        # has its 200, and the send then honestly reports the connection lost. The polling limit is covered in xUnit
        # (IncomingLimitTests).
        $limited = Connect-SocketIo $server.Uri -MaximumMessageSize 1024 -NoReconnect -ForceNew -Transport WebSocket
        try {
            Send-SocketIoEvent $limited echo-ack -Data ('y' * 500) -Ack | Should -Be ('y' * 500)
            Send-SocketIoEvent $limited echo -Data ('y' * 5000)   # the server echoes 5000+ bytes back
            Wait-Until { $limited.State -eq 'Disconnected' } | Should -BeTrue
            $limited.DisconnectReason | Should -Be 'parse error'
            $err = Get-ThrownError { Send-SocketIoEvent $limited echo -Data 1 -ErrorAction Stop }
            Assert-Error $err SocketIoNotConnected ConnectionError @('not connected')
        }
        finally { Disconnect-SocketIo $limited }
        Assert-SessionUsable
    }

    It 'a packet from the server with more attachments than -MaximumAttachmentCount closes that connection with "parse error"' {
        $strict = Connect-SocketIo $server.Uri -MaximumAttachmentCount 1 -NoReconnect -ForceNew -Transport WebSocket  # see above
        try {
            Send-SocketIoEvent $strict binary   # the server answers with two attachments in one packet
            Wait-Until { $strict.State -eq 'Disconnected' } | Should -BeTrue
            $strict.DisconnectReason | Should -Be 'parse error'
        }
        finally { Disconnect-SocketIo $strict }
        $default = Connect-SocketIo $server.Uri -NoReconnect -ForceNew
        try {
            Send-SocketIoEvent $default binary
            $message = Receive-SocketIoEvent $default binary -Count 1 -TimeoutSec 10
            $message.Data | Should -Be ([byte[]](1, 2, 3, 4))
        }
        finally { Disconnect-SocketIo $default }
        Assert-SessionUsable
    }

    It 'ack timeout → SocketIoAckTimeout' {
        $err = Get-ThrownError { Send-SocketIoEvent $c no-ack -Data 1 -Ack -TimeoutSec 1 -ErrorAction Stop }
        Assert-Error $err SocketIoAckTimeout OperationTimeout @("'no-ack'", '1 s')
        $c.State | Should -Be 'Connected'
        Assert-SessionUsable
    }

    It 'send on a closed connection → SocketIoNotConnected' {
        $gone = Connect-SocketIo $server.Uri
        Disconnect-SocketIo $gone
        $err = Get-ThrownError { Send-SocketIoEvent $gone echo -Data 1 -ErrorAction Stop }
        Assert-Error $err SocketIoNotConnected ConnectionError @("Namespace '/'", 'not connected', 'Disconnected')
        Assert-SessionUsable
    }

    It 'disconnect twice → no error: disconnecting is idempotent' {
        $twice = Connect-SocketIo $server.Uri
        Disconnect-SocketIo $twice
        Disconnect-SocketIo $twice -ErrorAction Stop -ErrorVariable disconnectErrors
        $disconnectErrors | Should -BeNullOrEmpty
        $twice.State | Should -Be 'Disconnected'
        Assert-SessionUsable
    }
}
