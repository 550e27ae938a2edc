# The laid-out module as Windows PowerShell 5.1 (.NET Framework 4.7.2) would load it: every assembly reference must be
# satisfied by the module folder, by Dependencies/ (loaded by ModuleInitializer's AssemblyResolve handler, on .NET
# Framework only), or by the framework itself. Checked from the files' metadata, so it runs on any OS.

BeforeDiscovery {
    $moduleDir = $env:SOCKETIO_TEST_MODULE
    $assemblyFiles = @(Get-ChildItem $moduleDir -Filter *.dll) + @(Get-ChildItem (Join-Path $moduleDir 'Dependencies') -Filter *.dll) |
        ForEach-Object { @{ File = $_.FullName; Name = $_.Name } }
}

Describe 'The laid-out module for Windows PowerShell 5.1' {
    BeforeAll {
        $moduleDir = $env:SOCKETIO_TEST_MODULE
        $dependencyDir = Join-Path $moduleDir 'Dependencies'

        # What .NET Framework 4.7.2 itself provides to these assemblies, with the highest version it has. netstandard
        # 2.0 libraries reference only the netstandard facade (in-box since 4.7.1); the others are listed for
        # completeness. System.Management.Automation 3.0.0.0 is Windows PowerShell 5.1's engine (PowerShell 7 binds
        # the reference to its own, newer one).
        $framework = @{
            'netstandard'                  = [version]'2.0.0.0'
            'mscorlib'                     = [version]'4.0.0.0'
            'System'                       = [version]'4.0.0.0'
            'System.Core'                  = [version]'4.0.0.0'
            'System.Numerics'              = [version]'4.0.0.0'
            'System.Xml'                   = [version]'4.0.0.0'
            'System.Runtime.Serialization' = [version]'4.0.0.0'
            'System.Management.Automation' = [version]'3.0.0.0'
        }

        function Get-AssemblyReference([string] $Path) {
            $stream = [System.IO.File]::OpenRead($Path)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $reader.AssemblyReferences) {
                    $reference = $reader.GetAssemblyReference($handle)
                    [pscustomobject]@{ Name = $reader.GetString($reference.Name); Version = $reference.Version }
                }
            }
            finally {
                if ($pe) { $pe.Dispose() }
                $stream.Dispose()
            }
        }

        function Get-TargetFramework([string] $Path) {
            $stream = [System.IO.File]::OpenRead($Path)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $reader.GetAssemblyDefinition().GetCustomAttributes()) {
                    $attribute = $reader.GetCustomAttribute($handle)
                    $ctor = $reader.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle]$attribute.Constructor)
                    $type = $reader.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$ctor.Parent)
                    if ($reader.GetString($type.Name) -ne 'TargetFrameworkAttribute') { continue }
                    $blob = $reader.GetBlobReader($attribute.Value)
                    $null = $blob.ReadUInt16()   # prolog
                    return $blob.ReadSerializedString()
                }
            }
            finally {
                if ($pe) { $pe.Dispose() }
                $stream.Dispose()
            }
        }

        # The shipped assemblies: name -> version, and where they are.
        $shipped = @{}
        foreach ($file in @(Get-ChildItem $moduleDir -Filter *.dll) + @(Get-ChildItem $dependencyDir -Filter *.dll)) {
            $shipped[[System.Reflection.AssemblyName]::GetAssemblyName($file.FullName).Name] = [pscustomobject]@{
                Version = [System.Reflection.AssemblyName]::GetAssemblyName($file.FullName).Version
                File    = $file.FullName
            }
        }
        # Names the AssemblyResolve handler loads whatever version is asked for (the newer shipped file serves all).
        Import-Module (Join-Path $moduleDir 'SocketIo.psd1')
        $redirected = [SocketIo.PowerShell.ModuleInitializer].GetField('RedirectAnyVersion', [System.Reflection.BindingFlags]'NonPublic, Static').GetValue($null)
    }

    It 'resolves every reference of <Name>' -ForEach $assemblyFiles {
        foreach ($reference in Get-AssemblyReference $File) {
            $where = if ($shipped.ContainsKey($reference.Name)) { 'shipped' } elseif ($framework.ContainsKey($reference.Name)) { 'framework' } else { 'missing' }
            $where | Should -Not -Be 'missing' -Because "$Name references $($reference.Name) $($reference.Version), which is neither in the module folder, nor in Dependencies/, nor part of .NET Framework 4.7.2"
            if ($where -eq 'framework') {
                $reference.Version | Should -BeLessOrEqual $framework[$reference.Name] -Because "$Name needs $($reference.Name) $($reference.Version)"
            }
            elseif ($reference.Name -notin $redirected) {
                $shipped[$reference.Name].Version | Should -BeGreaterOrEqual $reference.Version -Because "$Name needs $($reference.Name) $($reference.Version), and the resolver does not redirect it"
            }
        }
    }

    It 'ships each dependency once, only in Dependencies/, and nothing unused' {
        $dependencies = @(Get-ChildItem $dependencyDir -Filter *.dll | ForEach-Object BaseName)
        $dependencies | Should -Not -BeNullOrEmpty
        $dependencies | Should -Contain 'System.Text.Json'
        $dependencies | Where-Object { $_ -like 'SocketIo.*' -or $framework.ContainsKey($_) } | Should -BeNullOrEmpty
        Get-ChildItem $moduleDir -Filter *.dll | ForEach-Object BaseName | Where-Object { $_ -notlike 'SocketIo.*' } | Should -BeNullOrEmpty
        $referenced = foreach ($file in $shipped.Values) { Get-AssemblyReference $file.File | ForEach-Object Name }
        $dependencies | Where-Object { $_ -notin $referenced } | Should -BeNullOrEmpty -Because 'every file in Dependencies/ is needed by something'
    }

    It 'redirects only assemblies it ships' {
        $redirected | Should -Not -BeNullOrEmpty
        foreach ($name in $redirected) { Join-Path $dependencyDir "$name.dll" | Should -Exist }
    }

    It 'builds its own assemblies for netstandard2.0 (loadable on .NET Framework 4.7.2)' {
        foreach ($name in 'SocketIo.Core', 'SocketIo.PowerShell') {
            Get-TargetFramework (Join-Path $moduleDir "$name.dll") | Should -Be '.NETStandard,Version=v2.0'
        }
    }

    It 'keeps System.Text.Json out of the PowerShell assembly''s public surface' {
        $leaks = foreach ($type in [SocketIo.SocketIoMessage].Assembly.GetExportedTypes()) {
            $members = $type.GetMembers([System.Reflection.BindingFlags]'Public, Instance, Static, DeclaredOnly')
            foreach ($member in $members) {
                $types = switch ($member.MemberType) {
                    'Property' { $member.PropertyType }
                    'Field' { $member.FieldType }
                    'Method' { @($member.ReturnType) + @($member.GetParameters() | ForEach-Object ParameterType) }
                    'Constructor' { @($member.GetParameters() | ForEach-Object ParameterType) }
                    default { @() }
                }
                foreach ($t in $types) { if ($t.Namespace -like 'System.Text.Json*') { "$($type.FullName).$($member.Name)" } }
            }
        }
        $leaks | Should -BeNullOrEmpty
    }

    It 'has a valid manifest for both editions' {
        $manifest = Test-ModuleManifest -Path (Join-Path $moduleDir 'SocketIo.psd1') -ErrorAction Stop
        $manifest.CompatiblePSEditions | Sort-Object | Should -Be @('Core', 'Desktop')
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        $manifest.DotNetFrameworkVersion | Should -Be ([version]'4.7.2')
        $manifest.RootModule | Should -Be 'SocketIo.PowerShell.dll'
        $data = Import-PowerShellDataFile (Join-Path $moduleDir 'SocketIo.psd1')
        foreach ($format in $data.FormatsToProcess) { Join-Path $moduleDir $format | Should -Exist }
    }

    It 'has text files Windows PowerShell 5.1 reads correctly (ASCII, or UTF-8 with a BOM)' {
        $files = Get-ChildItem $moduleDir -Recurse -File -Include *.psd1, *.ps1xml, *.ps1, *.psm1, *.txt
        $files | Should -Not -BeNullOrEmpty
        foreach ($file in $files) {
            $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
            $bom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF
            $ascii = -not ($bytes | Where-Object { $_ -gt 127 })
            ($bom -or $ascii) | Should -BeTrue -Because "$($file.Name) would be read as ANSI by Windows PowerShell 5.1"
        }
    }

    It 'has help for the default culture and the en-US fallback' {
        Join-Path $moduleDir 'en-US/SocketIo.PowerShell.dll-Help.xml' | Should -Exist
        Join-Path $moduleDir 'en-US/about_SocketIo.help.txt' | Should -Exist
        [xml] $maml = Get-Content (Join-Path $moduleDir 'en-US/SocketIo.PowerShell.dll-Help.xml') -Raw
        $maml.helpItems.command.Count | Should -Be @((Import-PowerShellDataFile (Join-Path $moduleDir 'SocketIo.psd1')).CmdletsToExport).Count
    }
}
