# The help compiled from docs/help (tools/New-MamlHelp.ps1) against the real cmdlets. A parameter added to a cmdlet
# fails here until its '### -Name' section is written in docs/help/<Cmdlet>.md (see docs/help/README.md).

BeforeDiscovery {
    Import-Module (Join-Path $env:SOCKETIO_TEST_MODULE 'SocketIo.psd1') -ErrorAction Stop
    $cmdlets = Get-Command -Module SocketIo -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } }
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        Import-Module (Join-Path $env:SOCKETIO_TEST_MODULE 'SocketIo.psd1') -ErrorAction Stop
        $command = Get-Command $Name -CommandType Cmdlet
        $help = Get-Help $Name -Full
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $realParameters = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
        $helpParameters = @($help.parameters.parameter | Where-Object { $_ } | ForEach-Object { $_.name } | Sort-Object)
        function Get-HelpText($Node) { (@($Node | Where-Object { $_ } | ForEach-Object { $_.Text }) -join "`n").Trim() }
    }

    It 'comes from the module''s help file, not from PowerShell''s generated stub' {
        $help.ModuleName | Should -Be 'SocketIo'
        $help.description | Should -Not -BeNullOrEmpty -Because "docs/help/$Name.md must exist and have a DESCRIPTION"
    }

    It 'has a synopsis' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without help, PowerShell's synopsis is the syntax line.
        $help.Synopsis | Should -Not -Match ('^\s*' + [regex]::Escape($Name) + '\s')
    }

    It 'has a description' {
        (Get-HelpText $help.description).Length | Should -BeGreaterThan 40
    }

    It 'has at least two examples, each with code and remarks' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.title | Should -Match 'Example \d+'
            $example.code | Should -Match ([regex]::Escape($Name)) -Because "$($example.title) should use $Name"
            (Get-HelpText $example.remarks) | Should -Not -BeNullOrEmpty -Because "$($example.title) needs remarks"
        }
    }

    It 'documents exactly the parameters the cmdlet has' {
        # Missing: parameters without help. Extra: help for parameters that do not exist (renamed or removed).
        $missing = @($realParameters | Where-Object { $_ -notin $helpParameters })
        $extra = @($helpParameters | Where-Object { $_ -notin $realParameters })
        $missing | Should -BeNullOrEmpty -Because "every parameter needs '### -Name' in docs/help/$Name.md"
        $extra | Should -BeNullOrEmpty -Because "docs/help/$Name.md documents parameters $Name does not have"
    }

    It 'describes every parameter' {
        foreach ($parameter in @($help.parameters.parameter | Where-Object { $_ })) {
            (Get-HelpText $parameter.description) | Should -Not -BeNullOrEmpty -Because "-$($parameter.name) needs a description"
        }
    }

    It 'shows the real parameter metadata (type, position, mandatory, pipeline input)' {
        foreach ($parameter in @($help.parameters.parameter | Where-Object { $_ })) {
            $real = $command.Parameters[$parameter.name]
            if (-not $real) { continue }
            $parameter.type.name | Should -Not -Be 'Unknown'
            $sets = $real.ParameterSets.Values
            $mandatoryEverywhere = -not ($sets | Where-Object { -not $_.IsMandatory })
            [bool]::Parse($parameter.required) | Should -Be $mandatoryEverywhere -Because "-$($parameter.name): Required? (mandatory in every parameter set)"
            $byValue = [bool]($sets | Where-Object ValueFromPipeline)
            ($parameter.pipelineInput -match 'ByValue') | Should -Be $byValue -Because "-$($parameter.name) pipeline input"
        }
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It 'declares what it outputs' {
        $command.OutputType | Should -Not -BeNullOrEmpty -Because "$Name needs an [OutputType] attribute"
        @($help.returnValues.returnValue) | Should -Not -BeNullOrEmpty -Because "docs/help/$Name.md needs an OUTPUTS section"
    }
}

Describe 'about_SocketIo' {
    BeforeAll {
        Import-Module (Join-Path $env:SOCKETIO_TEST_MODULE 'SocketIo.psd1') -ErrorAction Stop
        $about = Get-Help about_SocketIo | Out-String
    }

    It 'is installed with the module' {
        Join-Path $env:SOCKETIO_TEST_MODULE 'en-US/about_SocketIo.help.txt' | Should -Exist
        $about | Should -Match 'about_SocketIo'
    }

    It 'explains <Concept>' -ForEach @(
        @{ Concept = 'connections'; Pattern = 'Get-SocketIoConnection' }
        @{ Concept = 'the mailbox and the pipeline'; Pattern = 'Receive-SocketIoEvent' }
        @{ Concept = 'the event queue'; Pattern = 'Register-SocketIoEvent' }
        @{ Concept = 'when -Action blocks run'; Pattern = 'Wait-SocketIoEvent' }
        @{ Concept = 'reconnection'; Pattern = 'ReconnectionAttempts' }
        @{ Concept = 'OctoPrint'; Pattern = 'event:PrintDone' }
        @{ Concept = 'the delivery contract'; Pattern = 'at most once' }
        @{ Concept = 'drops are counted'; Pattern = 'UnreadDropped' }
    ) {
        $about | Should -Match ([regex]::Escape($Pattern))
    }

    It 'is wrapped for an 80-column console' {
        $lines = Get-Content (Join-Path $env:SOCKETIO_TEST_MODULE 'en-US/about_SocketIo.help.txt')
        $long = @($lines | Where-Object { $_.Length -gt 80 -and $_ -notmatch '^\s{8}' -and $_ -notmatch '^\s*\|' })
        $long | Should -BeNullOrEmpty
    }
}
