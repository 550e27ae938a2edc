<#
.SYNOPSIS
    Packages the laid-out module: a versioned module folder and a .nupkg for Install-Module / Save-Module users.
.DESCRIPTION
    Writes, under -OutputPath:
      SocketIo/<version>/          the module folder as Install-Module lays it out (copy it to a PSModulePath entry)
      SocketIo.<version>.nupkg     what Publish-Module would upload: the module files at the package root, a nuspec
                                   with PowerShellGet's tags (PSModule, PSEdition_*, PSCmdlet_*, PSCommand_*,
                                   PSIncludes_Cmdlet) and the OPC parts NuGet clients expect
    The version comes from one place, Directory.Build.props <Version> (the assemblies and, at layout, the manifest get
    it from there too); a suffix such as 0.2.0-beta1 becomes the manifest's PSData.Prerelease. No network: the
    package is zipped here with System.IO.Compression.
.PARAMETER ModulePath
    The laid-out module folder (out/SocketIo, from build.ps1 Layout).
.PARAMETER OutputPath
    Where the package goes (out/package).
.PARAMETER PropsPath
    Directory.Build.props, the source of the version.
.PARAMETER PassThru
    Writes an object with the module folder, the package's path and the version.
.EXAMPLE
    pwsh -NoProfile -File tools/New-ModulePackage.ps1 -ModulePath out/SocketIo -OutputPath out/package
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $PropsPath = (Join-Path $PSScriptRoot '../Directory.Build.props'),
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Add-Type -AssemblyName System.IO.Compression

$ModulePath = (Resolve-Path $ModulePath).Path
$name = 'SocketIo'
$manifestPath = Join-Path $ModulePath "$name.psd1"
$manifest = Import-PowerShellDataFile $manifestPath

# ---------------------------------------------------------------- version: Directory.Build.props
[xml] $props = Get-Content (Resolve-Path $PropsPath) -Raw
$versionNode = $props.SelectSingleNode('/Project/PropertyGroup/Version')
if (-not $versionNode) { throw "$PropsPath has no <Version>." }
$packageVersion = $versionNode.InnerText.Trim()
if ($packageVersion -notmatch '^(\d+\.\d+\.\d+)(?:-([0-9A-Za-z]+))?$') {
    throw "<Version> '$packageVersion' is not 'major.minor.patch' with an optional '-prerelease' (letters and digits only, as PowerShellGet wants)."
}
$moduleVersion = $Matches[1]
$prerelease = if ($Matches.Count -gt 2) { $Matches[2] } else { $null }
if ($manifest.ModuleVersion -ne $moduleVersion) {
    throw "The laid-out manifest says $($manifest.ModuleVersion) but Directory.Build.props says ${packageVersion}: run build.ps1 Layout again."
}

# ---------------------------------------------------------------- versioned module folder
$null = New-Item -ItemType Directory -Path $OutputPath -Force
$OutputPath = (Resolve-Path $OutputPath).Path
$moduleRoot = Join-Path $OutputPath $name
$versionFolder = Join-Path $moduleRoot $moduleVersion
if (Test-Path $versionFolder) { Remove-Item $versionFolder -Recurse -Force }
$null = New-Item -ItemType Directory -Path $versionFolder -Force
Copy-Item (Join-Path $ModulePath '*') $versionFolder -Recurse
if ($prerelease) {
    $text = Get-Content (Join-Path $versionFolder "$name.psd1") -Raw
    $text = $text -replace '(PSData\s*=\s*@\{)', "`$1`n            Prerelease = '$prerelease'"
    Set-Content -Path (Join-Path $versionFolder "$name.psd1") -Value $text -Encoding utf8BOM
}
$files = Get-ChildItem $versionFolder -Recurse -File | Sort-Object FullName

# ---------------------------------------------------------------- nuspec (as PowerShellGet's Publish-Module writes it)
$cmdlets = @($manifest.CmdletsToExport)
$tags = [System.Collections.Generic.List[string]]::new()
foreach ($tag in @($manifest.PrivateData.PSData.Tags)) { if ($tag) { $tags.Add($tag) } }
$tags.Add('PSModule')
foreach ($edition in @($manifest.CompatiblePSEditions)) { $tags.Add("PSEdition_$edition") }
foreach ($cmdlet in $cmdlets) { $tags.Add("PSCmdlet_$cmdlet"); $tags.Add("PSCommand_$cmdlet") }
if ($cmdlets.Count -gt 0) { $tags.Add('PSIncludes_Cmdlet') }

function ConvertTo-XmlText([string] $Text) { [System.Security.SecurityElement]::Escape($Text) }
$psData = $manifest.PrivateData.PSData
$optional = [System.Text.StringBuilder]::new()
foreach ($pair in @(@('ProjectUri', 'projectUrl'), @('LicenseUri', 'licenseUrl'), @('IconUri', 'iconUrl'), @('ReleaseNotes', 'releaseNotes'))) {
    if ($psData.ContainsKey($pair[0]) -and $psData[$pair[0]]) { [void]$optional.AppendLine("    <$($pair[1])>$(ConvertTo-XmlText $psData[$pair[0]])</$($pair[1])>") }
}
$author = if ($manifest.ContainsKey('Author')) { $manifest.Author } else { 'Unknown' }
$owners = if ($manifest.ContainsKey('CompanyName') -and $manifest.CompanyName) { $manifest.CompanyName } else { $author }
$nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>$name</id>
    <version>$packageVersion</version>
    <authors>$(ConvertTo-XmlText $author)</authors>
    <owners>$(ConvertTo-XmlText $owners)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <description>$(ConvertTo-XmlText $manifest.Description)</description>
    <copyright>$(ConvertTo-XmlText $manifest.Copyright)</copyright>
    <tags>$(ConvertTo-XmlText ($tags -join ' '))</tags>
$($optional.ToString().TrimEnd())
  </metadata>
</package>
"@ -replace "(?m)^\r?\n", ''

# ---------------------------------------------------------------- the .nupkg (OPC zip)
$nupkg = Join-Path $OutputPath "$name.$packageVersion.nupkg"
if (Test-Path $nupkg) { Remove-Item $nupkg -Force }
# A stable id for the core-properties part, so the same input gives the same package.
$md5 = [System.Security.Cryptography.MD5]::Create()
$psmdcpId = ([guid]::new($md5.ComputeHash([System.Text.Encoding]::UTF8.GetBytes("$name/$packageVersion")))).ToString('N')
$md5.Dispose()
$psmdcpPath = "package/services/metadata/core-properties/$psmdcpId.psmdcp"

$extensions = @($files | ForEach-Object { $_.Extension.TrimStart('.').ToLowerInvariant() }) + @('nuspec', 'rels', 'psmdcp') | Where-Object { $_ } | Sort-Object -Unique
$contentTypes = @"
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
$(($extensions | ForEach-Object {
    $type = switch ($_) { 'rels' { 'application/vnd.openxmlformats-package.relationships+xml' } 'psmdcp' { 'application/vnd.openxmlformats-package.core-properties+xml' } default { 'application/octet' } }
    "  <Default Extension=`"$_`" ContentType=`"$type`" />"
}) -join "`n")
</Types>
"@
$rels = @"
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/$name.nuspec" Id="R$($psmdcpId.Substring(0, 16))" />
  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/$psmdcpPath" Id="R$($psmdcpId.Substring(16, 16))" />
</Relationships>
"@
$coreProperties = @"
<?xml version="1.0" encoding="utf-8"?>
<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">
  <dc:creator>$(ConvertTo-XmlText $author)</dc:creator>
  <dc:description>$(ConvertTo-XmlText $manifest.Description)</dc:description>
  <dc:identifier>$name</dc:identifier>
  <version>$packageVersion</version>
  <keywords>$(ConvertTo-XmlText ($tags -join ' '))</keywords>
  <lastModifiedBy>SocketIo tools/New-ModulePackage.ps1</lastModifiedBy>
</coreProperties>
"@

$stamp = [DateTimeOffset]::new(2000, 1, 1, 0, 0, 0, [TimeSpan]::Zero)
$utf8 = [System.Text.UTF8Encoding]::new($false)
$stream = [System.IO.File]::Open($nupkg, [System.IO.FileMode]::CreateNew)
$zip = [System.IO.Compression.ZipArchive]::new($stream, [System.IO.Compression.ZipArchiveMode]::Create)
try {
    $addText = {
        param([string] $Path, [string] $Text)
        $entry = $zip.CreateEntry($Path, [System.IO.Compression.CompressionLevel]::Optimal)
        $entry.LastWriteTime = $stamp
        $writer = [System.IO.StreamWriter]::new($entry.Open(), $utf8)
        try { $writer.Write($Text) } finally { $writer.Dispose() }
    }
    & $addText '_rels/.rels' $rels
    & $addText "$name.nuspec" $nuspec
    foreach ($file in $files) {
        $relative = $file.FullName.Substring($versionFolder.Length).TrimStart('\', '/').Replace('\', '/')
        $entry = $zip.CreateEntry($relative, [System.IO.Compression.CompressionLevel]::Optimal)
        $entry.LastWriteTime = $stamp
        $target = $entry.Open()
        $source = [System.IO.File]::OpenRead($file.FullName)
        try { $source.CopyTo($target) } finally { $source.Dispose(); $target.Dispose() }
    }
    & $addText $psmdcpPath $coreProperties
    & $addText '[Content_Types].xml' $contentTypes
}
finally {
    $zip.Dispose()
    $stream.Dispose()
}

Write-Host "Module folder: $versionFolder"
Write-Host "Package:       $nupkg ($($files.Count) module files, version $packageVersion)"
if ($PassThru) { [pscustomobject]@{ ModuleFolder = $versionFolder; Package = $nupkg; Version = $packageVersion } }
