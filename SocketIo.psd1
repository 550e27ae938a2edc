@{
    RootModule             = 'SocketIo.PowerShell.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6c0f3a52-9d8e-4b8a-a5a4-2f1e7b3c9d10'
    Author                 = 'SocketIo contributors'
    Copyright              = '(c) SocketIo contributors. MIT License.'
    Description            = 'Socket.IO (Engine.IO v4 / Socket.IO v5) client for PowerShell: connect, send, receive and subscribe to realtime server events.'
    CompatiblePSEditions   = @('Desktop', 'Core')
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('SocketIo.format.ps1xml')
    CmdletsToExport        = @(
        'Connect-SocketIo'
        'Disconnect-SocketIo'
        'Send-SocketIoEvent'
        'Receive-SocketIoEvent'
        'Register-SocketIoEvent'
        'Get-SocketIoConnection'
        'Connect-OctoPrint'
        'Get-OctoPrintStatus'
        'Wait-OctoPrintJob'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags       = @('SocketIO', 'WebSocket', 'Realtime', 'OctoPrint')
        }
    }
}
