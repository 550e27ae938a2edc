# build.ps1 Package: tools/New-ModulePackage.ps1 run on the laid-out module (into TestDrive), then the package opened and,
# where it can be done without touching the user's settings, installed with PSResourceGet from a local repository.

Describe 'The module package' {
    BeforeAll {
        $moduleDir = $env:SOCKETIO_TEST_MODULE
        $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
        $packager = Join-Path $root 'tools/New-ModulePackage.ps1'
        $props = Join-Path $root 'Directory.Build.props'
        $pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
        [xml] $propsXml = Get-Content $props -Raw
        $version = $propsXml.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
        $manifestData = Import-PowerShellDataFile (Join-Path $moduleDir 'SocketIo.psd1')

        $out = Join-Path $TestDrive 'package'
        $result = & $packager -ModulePath $moduleDir -OutputPath $out -PropsPath $props -PassThru 6>$null
        $nupkg = Join-Path $out "SocketIo.$version.nupkg"

        Add-Type -AssemblyName System.IO.Compression.FileSystem
        function Get-ZipEntries([string] $Path) {
            $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
            try { $zip.Entries | ForEach-Object FullName } finally { $zip.Dispose() }
        }
        function Get-ZipText([string] $Path, [string] $Entry) {
            $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
            try {
                $reader = [System.IO.StreamReader]::new($zip.GetEntry($Entry).Open())
                try { $reader.ReadToEnd() } finally { $reader.Dispose() }
            }
            finally { $zip.Dispose() }
        }
    }

    It 'takes its version from Directory.Build.props, as the manifest does' {
        $version | Should -Match '^\d+\.\d+\.\d+'
        $result.Version | Should -Be $version
        $manifestData.ModuleVersion | Should -Be ($version -replace '-.*$')
    }

    It 'writes a versioned module folder with a valid manifest' {
        $folder = Join-Path $out "SocketIo/$($version -replace '-.*$')"
        $result.ModuleFolder | Should -Be $folder
        foreach ($file in 'SocketIo.psd1', 'SocketIo.PowerShell.dll', 'SocketIo.Core.dll', 'SocketIo.format.ps1xml', 'Dependencies/System.Text.Json.dll', 'en-US/SocketIo.PowerShell.dll-Help.xml', 'en-US/about_SocketIo.help.txt') {
            Join-Path $folder $file | Should -Exist
        }
        (Test-ModuleManifest (Join-Path $folder 'SocketIo.psd1') -ErrorAction Stop).Version | Should -Be ([version]($version -replace '-.*$'))
    }

    It 'writes a .nupkg with the manifest, the assemblies, the help and the OPC parts' {
        $nupkg | Should -Exist
        $entries = Get-ZipEntries $nupkg
        foreach ($entry in 'SocketIo.nuspec', 'SocketIo.psd1', 'SocketIo.PowerShell.dll', 'SocketIo.Core.dll', 'SocketIo.format.ps1xml',
            'Dependencies/System.Text.Json.dll', 'en-US/SocketIo.PowerShell.dll-Help.xml', 'en-US/about_SocketIo.help.txt', '[Content_Types].xml', '_rels/.rels') {
            $entries | Should -Contain $entry
        }
        @($entries | Where-Object { $_ -like 'package/services/metadata/core-properties/*.psmdcp' }).Count | Should -Be 1
        # Every file of the module folder is in the package, at the same relative path.
        $moduleFiles = Get-ChildItem $moduleDir -Recurse -File | ForEach-Object { $_.FullName.Substring($moduleDir.Length).TrimStart('\', '/').Replace('\', '/') }
        foreach ($file in $moduleFiles) { $entries | Should -Contain $file }
    }

    It 'describes the module in its nuspec as Publish-Module does' {
        [xml] $nuspec = Get-ZipText $nupkg 'SocketIo.nuspec'
        $metadata = $nuspec.package.metadata
        $metadata.id | Should -Be 'SocketIo'
        $metadata.version | Should -Be $version
        $metadata.authors | Should -Be $manifestData.Author
        $metadata.description | Should -Be $manifestData.Description
        $tags = $metadata.tags -split ' '
        foreach ($tag in 'PSModule', 'PSIncludes_Cmdlet', 'PSEdition_Desktop', 'PSEdition_Core') { $tags | Should -Contain $tag }
        foreach ($cmdlet in $manifestData.CmdletsToExport) {
            $tags | Should -Contain "PSCmdlet_$cmdlet"
            $tags | Should -Contain "PSCommand_$cmdlet"
        }
    }

    It 'refuses a manifest whose version differs from Directory.Build.props' {
        $otherProps = Join-Path $TestDrive 'Other.props'
        Set-Content $otherProps '<Project><PropertyGroup><Version>9.8.7</Version></PropertyGroup></Project>'
        { & $packager -ModulePath $moduleDir -OutputPath (Join-Path $TestDrive 'other') -PropsPath $otherProps 6>$null } | Should -Throw '*9.8.7*Layout*'
    }

    It 'marks a prerelease version in the manifest (PSData.Prerelease) and the package' {
        $copy = Join-Path $TestDrive 'prerelease/SocketIo'
        $null = New-Item -ItemType Directory $copy -Force
        Copy-Item (Join-Path $moduleDir '*') $copy -Recurse
        $manifestText = (Get-Content (Join-Path $copy 'SocketIo.psd1') -Raw) -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '2.3.4'"
        Set-Content (Join-Path $copy 'SocketIo.psd1') $manifestText -Encoding utf8BOM
        $preProps = Join-Path $TestDrive 'Pre.props'
        Set-Content $preProps '<Project><PropertyGroup><Version>2.3.4-beta1</Version></PropertyGroup></Project>'
        $pre = & $packager -ModulePath $copy -OutputPath (Join-Path $TestDrive 'pre-out') -PropsPath $preProps -PassThru 6>$null
        $pre.Package | Should -Exist
        $pre.Package | Should -BeLike '*SocketIo.2.3.4-beta1.nupkg'
        (Import-PowerShellDataFile (Join-Path $pre.ModuleFolder 'SocketIo.psd1')).PrivateData.PSData.Prerelease | Should -Be 'beta1'
        ([xml](Get-ZipText $pre.Package 'SocketIo.nuspec')).package.metadata.version | Should -Be '2.3.4-beta1'
    }

    # PSResourceGet keeps its repository list in the user's profile; with HOME/XDG pointed into TestDrive a child pwsh
    # registers the local repository there, never in the real profile. Windows ignores those variables: skipped there.
    # Only where HOME/XDG redirect PSResourceGet's profile (not Windows) and PSResourceGet ships (PowerShell 7.4+).
    if (-not $IsWindows -and (Get-Module -ListAvailable Microsoft.PowerShell.PSResourceGet)) {
        It 'installs with Save-PSResource from a local repository, and imports' {
            $home2 = Join-Path $TestDrive 'home'
            $data = Join-Path $home2 '.local/share'
            $null = New-Item -ItemType Directory -Path $data, (Join-Path $home2 '.config'), (Join-Path $home2 '.cache') -Force
            $saved = Join-Path $TestDrive 'saved'
            $null = New-Item -ItemType Directory -Path $saved -Force
            $script = {
                param($repository, $saved)
                $ErrorActionPreference = 'Stop'
                Register-PSResourceRepository -Name SocketIoTestLocal -Uri $repository -Trusted
                Save-PSResource -Name SocketIo -Repository SocketIoTestLocal -Path $saved -TrustRepository -Quiet
                Import-Module (Join-Path $saved 'SocketIo')
                "imported $((Get-Module SocketIo).Version) with $((Get-Command -Module SocketIo).Count) commands"
            }
            $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
            foreach ($arg in '-NoProfile', '-NonInteractive', '-Command', "& { $script } '$out' '$saved'") { $info.ArgumentList.Add($arg) }
            $info.WorkingDirectory = $TestDrive
            $info.Environment['HOME'] = $home2
            $info.Environment['XDG_DATA_HOME'] = $data
            $info.Environment['XDG_CONFIG_HOME'] = Join-Path $home2 '.config'
            $info.Environment['XDG_CACHE_HOME'] = Join-Path $home2 '.cache'
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.UseShellExecute = $false
            $process = [System.Diagnostics.Process]::Start($info)
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit(60000)) { $process.Kill(); throw 'Save-PSResource did not finish within 60 s.' }
            $process.ExitCode | Should -Be 0 -Because $stderr.Result
            $stdout.Result | Should -Match "imported $([regex]::Escape(($version -replace '-.*$'))) with $(@($manifestData.CmdletsToExport).Count) commands"
            Join-Path $saved "SocketIo/$($version -replace '-.*$')/SocketIo.psd1" | Should -Exist
            Join-Path $saved "SocketIo/$($version -replace '-.*$')/Dependencies/System.Text.Json.dll" | Should -Exist
            Join-Path $saved "SocketIo/$($version -replace '-.*$')/SocketIo.nuspec" | Should -Not -Exist   # an installer's own files are not left behind
        }
    }
}
