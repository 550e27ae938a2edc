Describe 'Errors and their ids' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
        $c = Connect-SocketIo $server.Uri
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    Context 'Connect-SocketIo' {
        It 'reports a refused connection as SocketIoConnectFailed' {
            $port = Get-ClosedPort
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $err = Get-ThrownError { Connect-SocketIo "http://127.0.0.1:$port" -TimeoutSec 10 -ErrorAction Stop }
            $clock.Stop()
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoConnectFailed,*'
            $err.Exception.Message | Should -Match 'refused'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 8   # failed at once, not on the timeout
            Get-SocketIoConnection | Where-Object { $_.Uri.Port -eq $port } | Should -BeNullOrEmpty
        }

        It 'rejects <Uri> as SocketIoInvalidUri' -ForEach @(
            @{ Uri = 'ftp://x' }
            @{ Uri = 'not a uri' }
            @{ Uri = 'http://h/admin' }
        ) {
            $err = Get-ThrownError { Connect-SocketIo $Uri -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoInvalidUri,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'reports rejected auth as SocketIoConnectRejected with the server''s data' {
            $err = Get-ThrownError { Connect-SocketIo $server.Uri -Auth @{ token = 'bad' } -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoConnectRejected,*'
            $err.Exception.Message | Should -Match 'auth rejected'
            $err.Exception.ServerData.reason | Should -Be 'bad token'
        }

        It 'reports a wrong /admin token as SocketIoConnectRejected' {
            $err = Get-ThrownError { Connect-SocketIo $server.Uri -Namespace /admin -Auth @{ token = 'nope' } -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoConnectRejected,*'
            $err.Exception.ServerData.code | Should -Be 401
        }

        It 'reports an unknown namespace as SocketIoConnectRejected' {
            $err = Get-ThrownError { Connect-SocketIo $server.Uri -Namespace /no-such-namespace -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoConnectRejected,*'
        }

        It 'refuses -Auth over plain http to a non-loopback host without touching the network' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $err = Get-ThrownError { Connect-SocketIo http://example.invalid -Auth @{ token = 'x' } -ErrorAction Stop }
            $clock.Stop()
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoUnencryptedCredential,*'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2   # no DNS lookup for .invalid, no connect attempt
        }

        It 'refuses an Authorization header over plain ws to a non-loopback host' {
            $err = Get-ThrownError { Connect-SocketIo ws://example.invalid -Headers @{ Authorization = 'Bearer x' } -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoUnencryptedCredential,*'
        }

        It 'does not leave failed connections in Get-SocketIoConnection' {
            $null = Get-ThrownError { Connect-SocketIo $server.Uri -Auth @{ token = 'bad' } -ErrorAction Stop }
            @(Get-SocketIoConnection) | Should -HaveCount 1
            (Get-SocketIoConnection)[0] | Should -Be $c
        }
    }

    Context 'Send-SocketIoEvent' {
        It 'refuses the reserved event name <Name>' -ForEach @(
            @{ Name = 'connect' }
            @{ Name = 'disconnect' }
            @{ Name = 'connect_error' }
        ) {
            $err = Get-ThrownError { Send-SocketIoEvent $c $Name -Data 1 -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoReservedEventName,*'
        }

        It 'reports a missing acknowledgement as SocketIoAckTimeout and stays usable' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $err = Get-ThrownError { Send-SocketIoEvent $c no-ack -Data 1 -Ack -TimeoutSec 1 -ErrorAction Stop }
            $clock.Stop()
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoAckTimeout,*'
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $c.State | Should -Be 'Connected'
            Send-SocketIoEvent $c echo-ack -Data 'still here' -Ack | Should -Be 'still here'
        }

        It 'refuses a cyclic object as SocketIoSerializationError' {
            $cyclic = [pscustomobject]@{ name = 'loop' }
            $cyclic | Add-Member -NotePropertyName self -NotePropertyValue $cyclic
            $err = Get-ThrownError { Send-SocketIoEvent $c echo -Data $cyclic -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoSerializationError,*'
            Send-SocketIoEvent $c echo-ack -Data 'after cycle' -Ack | Should -Be 'after cycle'
        }

        It 'refuses a SecureString as SocketIoSerializationError' {
            $secret = [System.Security.SecureString]::new()
            'pw'.ToCharArray() | ForEach-Object { $secret.AppendChar($_) }
            $err = Get-ThrownError { Send-SocketIoEvent $c echo -Data @{ password = $secret } -Ack -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoSerializationError,*'
            Send-SocketIoEvent $c echo-ack -Data 'after secret' -Ack | Should -Be 'after secret'
        }

        It 'reports a send on a disconnected connection as SocketIoNotConnected' {
            $gone = Connect-SocketIo $server.Uri
            Disconnect-SocketIo $gone
            $gone.State | Should -Be 'Disconnected'
            $err = Get-ThrownError { Send-SocketIoEvent $gone echo -Data 1 -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoNotConnected,*'
            $err = Get-ThrownError { Send-SocketIoEvent $gone echo-ack -Data 1 -Ack -TimeoutSec 5 -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoNotConnected,*'
        }

        It 'writes a non-terminating error that -ErrorVariable captures' {
            $gone = Connect-SocketIo $server.Uri
            Disconnect-SocketIo $gone
            Send-SocketIoEvent $gone echo -Data 1 -ErrorAction SilentlyContinue -ErrorVariable sendErrors
            $sendErrors | Should -HaveCount 1
            $sendErrors[0].FullyQualifiedErrorId | Should -BeLike 'SocketIoNotConnected,*'
        }
    }
}
