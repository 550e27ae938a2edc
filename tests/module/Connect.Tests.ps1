Describe 'Connect-SocketIo and Get-SocketIoConnection' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
        $server = Start-NodeServer
    }

    AfterAll {
        Stop-TestEnvironment $server
    }

    It 'returns a connected SocketIoConnection over WebSocket on the default namespace' {
        $c = Connect-SocketIo -Uri $server.Uri -Transport WebSocket
        try {
            $c | Should -BeOfType ([SocketIo.SocketIoConnection])
            $c | Should -BeOfType ([SocketIo.Connection])
            $c.State | Should -Be 'Connected'
            $c.SocketId | Should -Not -BeNullOrEmpty
            $c.Transport | Should -Be 'websocket'
            $c.Namespace | Should -Be '/'
            $c.Name | Should -Be '127.0.0.1'
            $c.Uri | Should -Be ([uri]"$($server.Uri)/")
            $c.ConnectedAt | Should -BeOfType ([datetime])
            $c.Id | Should -BeGreaterThan 0
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'shows a connection as a table that fits an 80-column console (79 usable), every column whole' {
        $c = Connect-SocketIo -Uri $server.Uri -Transport WebSocket
        try {
            $lines = @(($c | Format-Table | Out-String -Width 79) -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^\s*Id\s+Name\s+State\s+Transport\s+Target\s+In\s+Out\s+Unread\s+Dropped$'
            $lines.Count | Should -Be 3 -Because 'no header wraps onto a second line'
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'gives each connection a larger Id than the previous one' {
        $a = Connect-SocketIo $server.Uri
        $b = Connect-SocketIo $server.Uri
        try {
            $b.Id | Should -BeGreaterThan $a.Id
            $b.SocketId | Should -Not -Be $a.SocketId
        }
        finally { Disconnect-SocketIo $a, $b }
        $d = Connect-SocketIo $server.Uri
        try { $d.Id | Should -BeGreaterThan $b.Id }   # Ids are never reused
        finally { Disconnect-SocketIo $d }
    }

    It 'connects with a ws:// URI' {
        $c = Connect-SocketIo ($server.Uri -replace '^http:', 'ws:')
        try {
            $c.State | Should -Be 'Connected'
            $c.Uri.Scheme | Should -Be 'ws'
            Send-SocketIoEvent $c echo-ack -Data 'over ws' -Ack | Should -Be 'over ws'
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'joins /admin with -Namespace and -Auth' {
        $c = Connect-SocketIo $server.Uri -Namespace /admin -Auth @{ token = 'secret' }
        try {
            $c.State | Should -Be 'Connected'
            $c.Namespace | Should -Be '/admin'
            $seen = Send-SocketIoEvent $c handshake -Ack
            $seen.auth.token | Should -Be 'secret'
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'lists connections with Get-SocketIoConnection, filtered by -Id and -Name' {
        $a = Connect-SocketIo $server.Uri -Name 'alpha-one'
        $b = Connect-SocketIo $server.Uri -Name 'beta-two'
        try {
            $all = @(Get-SocketIoConnection)
            $all.Id | Should -Contain $a.Id
            $all.Id | Should -Contain $b.Id

            $byId = @(Get-SocketIoConnection -Id $b.Id)
            $byId.Count | Should -Be 1
            $byId[0] | Should -Be $b

            $byName = @(Get-SocketIoConnection -Name 'alpha*')
            $byName.Count | Should -Be 1
            $byName[0] | Should -Be $a
            @(Get-SocketIoConnection 'beta-two')[0] | Should -Be $b
            @(Get-SocketIoConnection -Name 'ALPHA-ONE').Count | Should -Be 1   # names compare like PowerShell names
            @(Get-SocketIoConnection -Name 'gamma*').Count | Should -Be 0

            $missing = [int]::MaxValue
            $err = Get-ThrownError { Get-SocketIoConnection -Id $missing -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'SocketIoConnectionNotFound,*'
        }
        finally { Disconnect-SocketIo $a, $b }
        Get-SocketIoConnection | Where-Object Id -in $a.Id, $b.Id | Should -BeNullOrEmpty
    }

    It 'sends -Headers, -Query and -Auth in the handshake' {
        $c = Connect-SocketIo "$($server.Uri)/?fromUri=yes" -Headers @{ 'X-Test-Header' = 'header-value' } -Query @{ color = 'blue'; n = 7 } -Auth @{ user = 'u1' }
        try {
            $seen = Send-SocketIoEvent $c handshake -Ack
            $seen.headers.'x-test-header' | Should -Be 'header-value'
            $seen.query.color | Should -Be 'blue'
            $seen.query.n | Should -Be '7'
            $seen.query.fromUri | Should -Be 'yes'
            $seen.auth.user | Should -Be 'u1'
        }
        finally { Disconnect-SocketIo $c }
    }

    It 'uses -Name for the connection name' {
        $c = Connect-SocketIo $server.Uri -Name 'printer-7'
        try { $c.Name | Should -Be 'printer-7' }
        finally { Disconnect-SocketIo $c }
    }
}
