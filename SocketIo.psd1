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
        'Wait-SocketIoEvent'
        'Get-SocketIoConnection'
        'Connect-OctoPrint'
        'Get-OctoPrintStatus'
        'Wait-OctoPrintJob'
        'Connect-OctoPrintPrinter'
        'Disconnect-OctoPrintPrinter'
        'Set-OctoPrintTemperature'
        'Invoke-OctoPrintHome'
        'Send-OctoPrintGcode'
        'Get-OctoPrintJob'
        'Start-OctoPrintJob'
        'Suspend-OctoPrintJob'
        'Resume-OctoPrintJob'
        'Stop-OctoPrintJob'
        'Restart-OctoPrintJob'
        'Get-OctoPrintFile'
        'Send-OctoPrintFile'
        'Select-OctoPrintFile'
        'Remove-OctoPrintFile'
        'New-OctoPrintFolder'
        'New-OctoPrintSavedPrinter'
        'Get-OctoPrintSavedPrinter'
        'Remove-OctoPrintSavedPrinter'
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
