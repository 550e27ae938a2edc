Describe 'Connect-SocketIo transports, proxy and TLS parameters' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer -ArgumentList '--record-requests'

        # A CA made for this run and a certificate for localhost it issued; node serves https with them.
        $tlsDir = Join-Path ([System.IO.Path]::GetTempPath()) ("socketio-pester-tls-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $tlsDir
        $notBefore = [DateTimeOffset]::UtcNow.AddMinutes(-5)
        $notAfter = [DateTimeOffset]::UtcNow.AddDays(1)
        $caKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $caRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=SocketIo Pester CA', $caKey, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
        $script:ca = $caRequest.CreateSelfSigned($notBefore, $notAfter)
        $serverKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $serverRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $serverKey, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $names.AddDnsName('localhost')
        $serverRequest.CertificateExtensions.Add($names.Build())
        $serverCert = $serverRequest.Create($script:ca, $notBefore.AddMinutes(1), $notAfter.AddMinutes(-1), [byte[]](1, 2, 3, 4))
        $certPath = Join-Path $tlsDir 'server.pem'
        $keyPath = Join-Path $tlsDir 'server.key'
        $script:caPath = Join-Path $tlsDir 'ca.pem'
        Set-Content -Path $certPath -Value $serverCert.ExportCertificatePem() -Encoding ascii
        Set-Content -Path $keyPath -Value $serverKey.ExportPkcs8PrivateKeyPem() -Encoding ascii
        Set-Content -Path $script:caPath -Value $script:ca.ExportCertificatePem() -Encoding ascii
        $tlsServer = Start-NodeServer -ArgumentList '--tls-cert', $certPath, '--tls-key', $keyPath
        $script:httpsUri = "https://localhost:$($tlsServer.Port)"
        $wsOnly = Start-NodeServer -ArgumentList '--transports', 'websocket'
    }

    AfterAll {
        Stop-TestEnvironment $server
        Stop-NodeServer $tlsServer
        Stop-NodeServer $wsOnly
        Remove-Item -Recurse -Force $tlsDir -ErrorAction SilentlyContinue
    }

    It 'starts on polling and upgrades to websocket by default' {
        $c = Connect-SocketIo $server.Uri
        try {
            $c.Transport | Should -BeIn 'polling', 'websocket'
            Wait-Until { $c.Transport -eq 'websocket' } -TimeoutSec 5 | Should -BeTrue
            (Send-SocketIoEvent $c engine-info -Ack).transport | Should -Be 'websocket'
            Send-SocketIoEvent $c echo-ack -Data 'after the upgrade' -Ack | Should -Be 'after the upgrade'
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'pins <Transport> with -Transport' -ForEach @(
        @{ Transport = 'Polling'; Name = 'polling' }
        @{ Transport = 'WebSocket'; Name = 'websocket' }
    ) {
        $c = Connect-SocketIo $server.Uri -Transport $Transport
        try {
            $c.Transport | Should -Be $Name
            (Send-SocketIoEvent $c echo-ack -Data ([byte[]](1, 2, 3)) -Ack) -join ',' | Should -Be '1,2,3'
            (Send-SocketIoEvent $c engine-info -Ack).transport | Should -Be $Name
            $c.Transport | Should -Be $Name
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'stays on polling with -NoUpgrade' {
        $c = Connect-SocketIo $server.Uri -NoUpgrade
        try {
            1..5 | ForEach-Object { Send-SocketIoEvent $c echo-ack -Data $_ -Ack | Should -Be $_ }
            $c.Transport | Should -Be 'polling'
            (Send-SocketIoEvent $c requests -Ack).transport | Should -Not -Contain 'websocket'
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'sends -UserAgent, or SocketIo-PowerShell and the module version by default' {
        $custom = Connect-SocketIo $server.Uri -UserAgent 'PesterAgent/1.0' -Transport Polling
        $default = Connect-SocketIo $server.Uri -Transport WebSocket
        try {
            (Send-SocketIoEvent $custom handshake -Ack).headers.'user-agent' | Should -Be 'PesterAgent/1.0'
            (Send-SocketIoEvent $default handshake -Ack).headers.'user-agent' | Should -Match '^SocketIo-PowerShell/\d+\.\d+\.\d+$'
        }
        finally { Disconnect-SocketIo $custom, $default }
    }

    It 'passes -ForceBase64, -TimestampParam and -TimestampRequests:$false to the server' {
        $c = Connect-SocketIo $server.Uri -Transport Polling -ForceBase64 -TimestampParam cb
        $off = Connect-SocketIo $server.Uri -Transport Polling -TimestampRequests:$false
        try {
            $query = (Send-SocketIoEvent $c handshake -Ack).query
            $query.b64 | Should -Be '1'
            $query.cb | Should -Not -BeNullOrEmpty
            $query.PSObject.Properties.Name | Should -Not -Contain 't'
            (Send-SocketIoEvent $c echo-ack -Data ([byte[]](9, 8)) -Ack) -join ',' | Should -Be '9,8'
            (Send-SocketIoEvent $off handshake -Ack).query.PSObject.Properties.Name | Should -Not -Contain 't'
        }
        finally { Disconnect-SocketIo $c, $off }
    }

    It 'reports a server that refuses polling as SocketIoConnectFailed naming the Engine.IO error' {
        $err = Get-ThrownError { Connect-SocketIo $wsOnly.Uri -Transport Polling -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoConnectFailed,*'
        $err.Exception.Message | Should -Match 'Transport unknown'
        $c = Connect-SocketIo $wsOnly.Uri -Transport WebSocket
        try { $c.Transport | Should -Be 'websocket' } finally { Disconnect-SocketIo $c }
    }

    It 'refuses contradictory parameters as SocketIoParameterConflict: <Name>' -ForEach @(
        # Scriptblocks: the test data is built at discovery, before BeforeAll made the CA.
        @{ Name = '-NoProxy -Proxy'; Params = { @{ NoProxy = $true; Proxy = 'http://127.0.0.1:1' } } }
        @{ Name = '-ProxyCredential without -Proxy'; Params = { @{ ProxyCredential = [pscredential]::new('u', (ConvertTo-SecureString 'p' -AsPlainText -Force)) } } }
        @{ Name = '-Transport WebSocket -NoUpgrade'; Params = { @{ Transport = 'WebSocket'; NoUpgrade = $true } } }
        @{ Name = '-SkipCertificateCheck -CertificateAuthority'; Params = { @{ SkipCertificateCheck = $true; CertificateAuthority = $script:ca } } }
    ) {
        $splat = & $Params
        $err = Get-ThrownError { Connect-SocketIo $server.Uri @splat -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoParameterConflict,*'
    }

    Context 'TLS' {
        It 'refuses an untrusted certificate as SocketIoCertificateError over <Transport>' -ForEach @(
            @{ Transport = 'Polling' }
            @{ Transport = 'WebSocket' }
        ) {
            $err = Get-ThrownError { Connect-SocketIo $script:httpsUri -Transport $Transport -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoCertificateError,*'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
        }

        It 'connects with -CertificateAuthority <Kind>' -ForEach @(
            @{ Kind = 'as a file path'; Value = { $script:caPath } }
            @{ Kind = 'as an X509Certificate2'; Value = { $script:ca } }
        ) {
            $c = Connect-SocketIo $script:httpsUri -CertificateAuthority (& $Value)
            try {
                Send-SocketIoEvent $c echo-ack -Data 'tls' -Ack | Should -Be 'tls'
                Wait-Until { $c.Transport -eq 'websocket' } -TimeoutSec 5 | Should -BeTrue   # the wss upgrade trusts it too
            }
            finally { Disconnect-SocketIo $c }
        }

        It 'connects with -SkipCertificateCheck' {
            $c = Connect-SocketIo $script:httpsUri -SkipCertificateCheck -Transport WebSocket
            try { Send-SocketIoEvent $c echo-ack -Data 1 -Ack | Should -Be 1 }
            finally { Disconnect-SocketIo $c }
        }

        It 'reports an unreadable -CertificateAuthority file' {
            $err = Get-ThrownError { Connect-SocketIo $script:httpsUri -CertificateAuthority (Join-Path $TestDrive 'missing.pem') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        }
    }
}
