Describe 'Disconnect-SocketIo' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    It 'leaves the connection alone with -WhatIf' {
        $c = Connect-SocketIo $server.Uri
        try {
            Disconnect-SocketIo $c -WhatIf
            $c.State | Should -Be 'Connected'
            Get-SocketIoConnection -Id $c.Id | Should -Be $c
            Send-SocketIoEvent $c echo-ack -Data 'alive' -Ack | Should -Be 'alive'
        }
        finally { Disconnect-SocketIo $c }
        $c.State | Should -Be 'Disconnected'
    }

    It 'disconnects everything piped from Get-SocketIoConnection, and the server sees it' {
        Wait-Until { (Get-NodeServerStats $server).sockets -eq 0 } | Should -BeTrue
        $connections = 1..3 | ForEach-Object { Connect-SocketIo $server.Uri }
        $admin = Connect-SocketIo $server.Uri -Namespace /admin -Auth @{ token = 'secret' }
        @(Get-SocketIoConnection) | Should -HaveCount 4
        Wait-Until { (Get-NodeServerStats $server).sockets -eq 4 } | Should -BeTrue

        Get-SocketIoConnection | Disconnect-SocketIo

        @(Get-SocketIoConnection) | Should -HaveCount 0
        foreach ($connection in @($connections) + $admin) { $connection.State | Should -Be 'Disconnected' }
        Wait-Until { (Get-NodeServerStats $server).sockets -eq 0 } | Should -BeTrue
        Wait-Until { (Get-NodeServerStats $server).engineConnections -eq 0 } | Should -BeTrue
    }

    It 'is harmless on a connection that is already disconnected' {
        $c = Connect-SocketIo $server.Uri
        Disconnect-SocketIo $c
        { Disconnect-SocketIo $c -ErrorAction Stop } | Should -Not -Throw
        $c.State | Should -Be 'Disconnected'
    }

    It 'shows Disconnected after the server kicks the client' {
        $c = Connect-SocketIo $server.Uri
        try {
            Send-SocketIoEvent $c kick
            Wait-Until { $c.State -eq 'Disconnected' } | Should -BeTrue
            $c.DisconnectReason | Should -Be 'io server disconnect'
            $err = Get-ThrownError { Send-SocketIoEvent $c echo -Data 1 -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoNotConnected,*'
        }
        finally { Disconnect-SocketIo $c }
        Get-SocketIoConnection | Where-Object Id -eq $c.Id | Should -BeNullOrEmpty
    }

    It 'counts what was sent and received' {
        $c = Connect-SocketIo $server.Uri
        try {
            Send-SocketIoEvent $c echo -Data 1
            Send-SocketIoEvent $c echo -Data 2
            $null = Receive-SocketIoEvent $c echo -Count 2 -TimeoutSec 10
            $c.EventsSent | Should -Be 2
            $c.EventsReceived | Should -Be 2
        }
        finally { Disconnect-SocketIo $c }
    }
}
