<#
.SYNOPSIS
    Builds the module's help from docs/help: MAML (SocketIo.PowerShell.dll-Help.xml) and about_*.help.txt.
.DESCRIPTION
    platyPS is not used. The help source is markdown in docs/help (the format is in docs/help/README.md): one
    <Cmdlet>.md per cmdlet with the prose (synopsis, description, examples, one section per parameter, inputs,
    outputs, notes, links) and about_*.md for concept topics. Everything the cmdlet's own metadata knows - syntax,
    parameter sets, types, positions, mandatory, pipeline input, aliases, wildcards, enum values - is taken from the
    laid-out module itself, so it cannot drift. Run it in a child pwsh (build.ps1 does): it imports the module.

    Mismatches are warnings here, and failures in tests/module/Help.Tests.ps1: a parameter without a section gets an
    empty description; a section for a parameter that does not exist is still written out (so the test sees it).
.PARAMETER ModulePath
    The laid-out module folder (out/SocketIo).
.PARAMETER SourcePath
    The help source folder (docs/help).
.PARAMETER OutputPath
    Where the help files go; default: <ModulePath>/en-US.
.EXAMPLE
    pwsh -NoProfile -File tools/New-MamlHelp.ps1 -ModulePath out/SocketIo
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SourcePath = (Join-Path $PSScriptRoot '../docs/help'),
    [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ModulePath = (Resolve-Path $ModulePath).Path
$SourcePath = (Resolve-Path $SourcePath).Path
if (-not $OutputPath) { $OutputPath = Join-Path $ModulePath 'en-US' }
$null = New-Item -ItemType Directory -Path $OutputPath -Force

$module = Import-Module (Join-Path $ModulePath 'SocketIo.psd1') -PassThru -Force
$common = [System.Management.Automation.PSCmdlet]::CommonParameters

# ------------------------------------------------------------------ markdown
# A document: @{ Title; Sections = ordered name -> @{ Lines; Subsections = ordered name -> lines } }.
function Read-HelpMarkdown([string] $Path) {
    $doc = @{ Title = $null; Sections = [ordered]@{} }
    $section = $null; $sub = $null; $inFence = $false
    foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^# (.+)$' -and -not $doc.Title) { $doc.Title = $Matches[1].Trim(); continue }
        if (-not $inFence -and $line -match '^## (.+)$') {
            $section = @{ Lines = [System.Collections.Generic.List[string]]::new(); Subsections = [ordered]@{} }
            $doc.Sections[$Matches[1].Trim().ToUpperInvariant()] = $section
            $sub = $null
            continue
        }
        if (-not $inFence -and $line -match '^### (.+)$' -and $null -ne $section) {
            $sub = [System.Collections.Generic.List[string]]::new()
            $section.Subsections[$Matches[1].Trim()] = $sub
            continue
        }
        if ($null -ne $sub) { $sub.Add($line) } elseif ($null -ne $section) { $section.Lines.Add($line) }
    }
    $doc
}

# Inline markdown to plain text: code spans, **bold**, links. (No *italics*: a lone * is a wildcard in this help.)
function ConvertTo-PlainText([string] $Text) {
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)]+)\)', { param($m) if ($m.Groups[1].Value -eq $m.Groups[2].Value) { $m.Groups[1].Value } else { "$($m.Groups[1].Value) ($($m.Groups[2].Value))" } })
    $Text = [regex]::Replace($Text, '\*\*([^*]+)\*\*', '$1')
    $Text = [regex]::Replace($Text, '`([^`]+)`', '$1')
    $Text
}

# Lines to paragraphs: blank lines separate; list items are paragraphs of their own; a fenced block is one paragraph
# whose lines are kept (indented by four spaces).
function ConvertTo-Paragraphs([string[]] $Lines) {
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $current = [System.Collections.Generic.List[string]]::new()
    $fence = $null
    $flush = {
        if ($current.Count -gt 0) { $paragraphs.Add((ConvertTo-PlainText ($current -join ' '))); $current.Clear() }
    }
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^\s*```') { $paragraphs.Add(($fence -join "`n")); $fence = $null }
            else { $fence.Add('    ' + $line) }
            continue
        }
        if ($line -match '^\s*```') { & $flush; $fence = [System.Collections.Generic.List[string]]::new(); continue }
        if ($line.Trim() -eq '') { & $flush; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+') { & $flush; $current.Add($line.Trim()); continue }
        $current.Add($line.Trim())
    }
    & $flush
    if ($null -ne $fence) { $paragraphs.Add(($fence -join "`n")) }
    , $paragraphs.ToArray()
}

# An example: the first fenced block is the code, the rest the remarks.
function Split-Example([string[]] $Lines) {
    $code = [System.Collections.Generic.List[string]]::new()
    $remarks = [System.Collections.Generic.List[string]]::new()
    $state = 'before'
    foreach ($line in $Lines) {
        switch ($state) {
            'before' { if ($line -match '^\s*```') { $state = 'code' } elseif ($line.Trim()) { $remarks.Add($line) } }
            'code' { if ($line -match '^\s*```') { $state = 'after' } else { $code.Add($line) } }
            'after' { $remarks.Add($line) }
        }
    }
    @{ Code = ($code -join "`n").TrimEnd(); Remarks = (ConvertTo-Paragraphs $remarks.ToArray()) }
}

# ------------------------------------------------------------------ metadata
function Get-TypeShortName([type] $Type) {
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { return Get-TypeShortName $Type.GetGenericArguments()[0] }
    if ($Type.IsArray) { return (Get-TypeShortName $Type.GetElementType()) + '[]' }
    $Type.Name
}

function Get-TypeFullName([type] $Type) {
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { return Get-TypeFullName $Type.GetGenericArguments()[0] }
    if ($Type.IsArray) { return (Get-TypeFullName $Type.GetElementType()) + '[]' }
    $Type.FullName
}

# The values a parameter accepts, when they are a closed set (ValidateSet, or an enum).
function Get-AcceptedValues($Parameter) {
    $set = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) { return @($set.ValidValues) }
    $type = $Parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { $type = $type.GetGenericArguments()[0] }
    if ($type.IsEnum) { return [Enum]::GetNames($type) }
    @()
}

function Get-PipelineInputText($Parameter) {
    $kinds = @()
    if ($Parameter.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($Parameter.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

# ------------------------------------------------------------------ MAML writer
$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Write-Paragraphs([System.Xml.XmlWriter] $W, [string[]] $Paragraphs) {
    if (-not $Paragraphs -or $Paragraphs.Count -eq 0) { $W.WriteElementString('para', $ns.maml, ''); return }
    foreach ($p in $Paragraphs) { $W.WriteElementString('para', $ns.maml, $p) }
}

function Write-Description([System.Xml.XmlWriter] $W, [string[]] $Paragraphs) {
    $W.WriteStartElement('description', $ns.maml)
    Write-Paragraphs $W $Paragraphs
    $W.WriteEndElement()
}

# One <command:parameter>: $Info is a CommandParameterInfo (per parameter set) or $null for a documented parameter
# the cmdlet does not have.
function Write-Parameter([System.Xml.XmlWriter] $W, [string] $Name, $Info, [string[]] $Description, [string] $Default, [bool] $InSyntax) {
    $W.WriteStartElement('parameter', $ns.command)
    $isSwitch = $Info -and $Info.ParameterType -eq [System.Management.Automation.SwitchParameter]
    $W.WriteAttributeString('required', $(if ($Info -and $Info.IsMandatory) { 'true' } else { 'false' }))
    $W.WriteAttributeString('variableLength', $(if ($Info -and $Info.ParameterType.IsArray) { 'true' } else { 'false' }))
    $globbing = $Info -and ($Info.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $W.WriteAttributeString('globbing', $(if ($globbing) { 'true' } else { 'false' }))
    $W.WriteAttributeString('pipelineInput', $(if ($Info) { Get-PipelineInputText $Info } else { 'False' }))
    $W.WriteAttributeString('position', $(if ($Info -and $Info.Position -ge 0) { [string]$Info.Position } else { 'named' }))
    $aliasList = @(if ($Info) { $Info.Aliases | Where-Object { $_ } })
    $aliases = if ($aliasList.Count -gt 0) { $aliasList -join ', ' } else { 'none' }
    $W.WriteAttributeString('aliases', $aliases)
    $W.WriteElementString('name', $ns.maml, $Name)
    Write-Description $W $Description
    $values = @(if ($Info) { Get-AcceptedValues $Info })
    if ($values.Count -gt 0) {
        $W.WriteStartElement('parameterValueGroup', $ns.command)
        foreach ($v in $values) {
            $W.WriteStartElement('parameterValue', $ns.command)
            $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('variableLength', 'false')
            $W.WriteString($v); $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    if (-not ($isSwitch -and $InSyntax)) {
        $W.WriteStartElement('parameterValue', $ns.command)
        $W.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($(if ($Info) { Get-TypeShortName $Info.ParameterType } else { 'Unknown' }))
        $W.WriteEndElement()
    }
    $W.WriteStartElement('type', $ns.dev)
    $W.WriteElementString('name', $ns.maml, $(if ($Info) { Get-TypeFullName $Info.ParameterType } else { 'Unknown' }))
    $W.WriteElementString('uri', $ns.maml, '')
    $W.WriteEndElement()
    $W.WriteElementString('defaultValue', $ns.dev, $(if ($Default) { $Default } else { 'None' }))
    $W.WriteEndElement()
}

function Write-CommandHelp([System.Xml.XmlWriter] $W, [System.Management.Automation.CommandInfo] $Command, $Doc, [string] $File) {
    $name = $Command.Name
    $sections = $Doc.Sections
    $get = { param($key) if ($sections.Contains($key)) { $sections[$key] } else { $null } }

    # Parameter prose from the markdown: name -> @{ Paragraphs; Default }.
    $documented = [ordered]@{}
    $parametersSection = & $get 'PARAMETERS'
    if ($parametersSection) {
        foreach ($key in $parametersSection.Subsections.Keys) {
            $lines = @($parametersSection.Subsections[$key])
            $default = $null
            $kept = foreach ($l in $lines) { if ($l -match '^Default value:\s*(.+)$') { $default = $Matches[1].Trim() } else { $l } }
            $documented[$key.TrimStart('-').Trim()] = @{ Paragraphs = (ConvertTo-Paragraphs @($kept)); Default = $default }
        }
    }
    # For the PARAMETERS section, one entry per parameter over all its sets: required when mandatory in every set,
    # pipeline input when any set takes it, the position when all sets agree (else the default set's).
    $perSet = [ordered]@{}
    foreach ($set in $Command.ParameterSets | Sort-Object { -not $_.IsDefault }) {
        foreach ($p in $set.Parameters) {
            if ($p.Name -in $common) { continue }
            if (-not $perSet.Contains($p.Name)) { $perSet[$p.Name] = [System.Collections.Generic.List[object]]::new() }
            $perSet[$p.Name].Add($p)
        }
    }
    $real = [ordered]@{}
    foreach ($key in $perSet.Keys) {
        $all = $perSet[$key]
        $positions = @($all | ForEach-Object Position | Sort-Object -Unique)
        $real[$key] = [pscustomobject]@{
            Name                            = $key
            ParameterType                   = $all[0].ParameterType
            IsMandatory                     = -not ($all | Where-Object { -not $_.IsMandatory })
            Position                        = $(if ($positions.Count -eq 1) { $positions[0] } else { $all[0].Position })
            ValueFromPipeline               = [bool]($all | Where-Object ValueFromPipeline)
            ValueFromPipelineByPropertyName = [bool]($all | Where-Object ValueFromPipelineByPropertyName)
            Aliases                         = $all[0].Aliases
            Attributes                      = $all[0].Attributes
        }
    }
    foreach ($missing in $real.Keys | Where-Object { -not $documented.Contains($_) }) { Write-Warning "${File}: -$missing has no help (add '### -$missing' under '## PARAMETERS')." }
    foreach ($extra in $documented.Keys | Where-Object { -not $real.Contains($_) }) { Write-Warning "${File}: '### -$extra' documents a parameter $name does not have." }
    $describe = { param($p) if ($documented.Contains($p)) { $documented[$p].Paragraphs } else { @() } }
    $defaultOf = { param($p) if ($documented.Contains($p)) { $documented[$p].Default } else { $null } }

    $W.WriteStartElement('command', 'command', $ns.command)
    $W.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $W.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

    $W.WriteStartElement('details', $ns.command)
    $W.WriteElementString('name', $ns.command, $name)
    $W.WriteElementString('verb', $ns.command, $Command.Verb)
    $W.WriteElementString('noun', $ns.command, $Command.Noun)
    $synopsis = & $get 'SYNOPSIS'
    Write-Description $W $(if ($synopsis) { ConvertTo-Paragraphs @($synopsis.Lines) } else { @() })
    $W.WriteEndElement()

    $description = & $get 'DESCRIPTION'
    Write-Description $W $(if ($description) { ConvertTo-Paragraphs @($description.Lines) } else { @() })

    $W.WriteStartElement('syntax', $ns.command)
    foreach ($set in $Command.ParameterSets | Sort-Object { -not $_.IsDefault }) {
        $W.WriteStartElement('syntaxItem', $ns.command)
        $W.WriteElementString('name', $ns.maml, $name)
        $ordered = $set.Parameters | Where-Object { $_.Name -notin $common } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } }
        foreach ($p in $ordered) { Write-Parameter $W $p.Name $p (& $describe $p.Name) (& $defaultOf $p.Name) $true }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('parameters', $ns.command)
    foreach ($p in $real.Keys) { Write-Parameter $W $p $real[$p] (& $describe $p) (& $defaultOf $p) $false }
    foreach ($extra in $documented.Keys | Where-Object { -not $real.Contains($_) }) { Write-Parameter $W $extra $null (& $describe $extra) $null $false }
    $W.WriteEndElement()

    foreach ($kind in @(@{ Section = 'INPUTS'; List = 'inputTypes'; Item = 'inputType' }, @{ Section = 'OUTPUTS'; List = 'returnValues'; Item = 'returnValue' })) {
        $section = & $get $kind.Section
        $W.WriteStartElement($kind.List, $ns.command)
        if ($section) {
            foreach ($typeName in $section.Subsections.Keys) {
                $W.WriteStartElement($kind.Item, $ns.command)
                $W.WriteStartElement('type', $ns.dev)
                $W.WriteElementString('name', $ns.maml, $typeName)
                $W.WriteEndElement()
                Write-Description $W (ConvertTo-Paragraphs @($section.Subsections[$typeName]))
                $W.WriteEndElement()
            }
        }
        $W.WriteEndElement()
    }

    $notes = & $get 'NOTES'
    if ($notes) {
        $W.WriteStartElement('alertSet', $ns.maml)
        $W.WriteStartElement('alert', $ns.maml)
        Write-Paragraphs $W (ConvertTo-Paragraphs @($notes.Lines))
        $W.WriteEndElement(); $W.WriteEndElement()
    }

    $W.WriteStartElement('examples', $ns.command)
    $examples = & $get 'EXAMPLES'
    if ($examples) {
        foreach ($title in $examples.Subsections.Keys) {
            $example = Split-Example @($examples.Subsections[$title])
            $W.WriteStartElement('example', $ns.command)
            $W.WriteElementString('title', $ns.maml, "-------------------------- $title --------------------------")
            $W.WriteElementString('code', $ns.dev, $example.Code)
            $W.WriteStartElement('remarks', $ns.dev)
            Write-Paragraphs $W $example.Remarks
            $W.WriteEndElement()
            $W.WriteEndElement()
        }
    }
    $W.WriteEndElement()

    $W.WriteStartElement('relatedLinks', $ns.command)
    $links = & $get 'RELATED LINKS'
    if ($links) {
        foreach ($line in $links.Lines) {
            if ($line -notmatch '^\s*[-*]\s+(.+)$') { continue }
            $item = $Matches[1].Trim()
            $text = $item; $uri = ''
            if ($item -match '^\[([^\]]+)\]\(([^)]*)\)$') { $text = $Matches[1]; $uri = $Matches[2] }
            elseif ($item -match '^https?://') { $uri = $item }
            $W.WriteStartElement('navigationLink', $ns.maml)
            $W.WriteElementString('linkText', $ns.maml, $text)
            $W.WriteElementString('uri', $ns.maml, $uri)
            $W.WriteEndElement()
        }
    }
    $W.WriteEndElement()

    $W.WriteEndElement() # command
}

# ------------------------------------------------------------------ about topics
# Markdown to the plain-text about_ format: "## X" headings as written at column 0, "### X" underlined at column 0,
# paragraphs wrapped at 80 columns and indented by 4, list items with a hanging indent, code blocks verbatim at 8,
# table rows verbatim at 4.
function ConvertTo-AboutText([string] $Path) {
    $out = [System.Text.StringBuilder]::new()
    $width = 80
    $wrap = {
        param([string] $text, [string] $first, [string] $rest)
        $line = $first; $fresh = $true
        foreach ($word in ($text -split '\s+' | Where-Object { $_ })) {
            if (-not $fresh -and $line.Length + 1 + $word.Length -gt $width) { [void]$out.AppendLine($line.TrimEnd()); $line = $rest + $word }
            elseif ($fresh) { $line += $word }
            else { $line += ' ' + $word }
            $fresh = $false
        }
        if (-not $fresh) { [void]$out.AppendLine($line.TrimEnd()) }
    }
    $para = [System.Collections.Generic.List[string]]::new()
    $listItem = $false
    $flush = {
        if ($para.Count -gt 0) {
            $text = ConvertTo-PlainText ($para -join ' ')
            if ($listItem) { & $wrap ($text -replace '^([-*]|\d+\.)\s+', '') '    - ' '      ' } else { & $wrap $text '    ' '    ' }
            if (-not $listItem) { [void]$out.AppendLine() }
            $para.Clear()
        }
    }
    $inFence = $false; $title = $null
    foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
        if ($inFence) {
            if ($line -match '^\s*```') { $inFence = $false; [void]$out.AppendLine() } else { [void]$out.AppendLine(('        ' + $line).TrimEnd()) }
            continue
        }
        if ($line -match '^\s*```') { & $flush; if ($listItem) { [void]$out.AppendLine(); $listItem = $false }; $inFence = $true; continue }
        if ($line -match '^# (.+)$') { $title = $Matches[1].Trim(); [void]$out.AppendLine('TOPIC'); [void]$out.AppendLine("    $title"); [void]$out.AppendLine(); continue }
        if ($line -match '^## (.+)$') { & $flush; if ($listItem) { [void]$out.AppendLine(); $listItem = $false }; [void]$out.AppendLine($Matches[1].Trim()); continue }
        if ($line -match '^### (.+)$') { & $flush; if ($listItem) { [void]$out.AppendLine(); $listItem = $false }; [void]$out.AppendLine($Matches[1].Trim()); [void]$out.AppendLine(('-' * $Matches[1].Trim().Length)); continue }
        if ($line -match '^\s*\|') { & $flush; [void]$out.AppendLine(('    ' + (ConvertTo-PlainText $line)).TrimEnd()); continue }
        if ($line.Trim() -eq '') { & $flush; if ($listItem) { [void]$out.AppendLine(); $listItem = $false }; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+') { & $flush; $listItem = $true; $para.Add($line.Trim()); continue }
        $para.Add($line.Trim())
    }
    & $flush
    $out.ToString()
}

# ------------------------------------------------------------------ main
$commands = Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$helpFile = Join-Path $OutputPath "$([System.IO.Path]::GetFileName($module.Path))-Help.xml"
$writer = [System.Xml.XmlWriter]::Create($helpFile, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in $commands) {
        $file = Join-Path $SourcePath "$($command.Name).md"
        if (-not (Test-Path $file)) { Write-Warning "$($command.Name) has no help source ($file)."; continue }
        $doc = Read-HelpMarkdown $file
        if ($doc.Title -ne $command.Name) { Write-Warning "${file}: the title '# $($doc.Title)' should be '# $($command.Name)'." }
        Write-CommandHelp $writer $command $doc $file
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }
foreach ($orphan in Get-ChildItem $SourcePath -Filter '*-*.md' | Where-Object { $_.BaseName -notin $commands.Name }) {
    Write-Warning "$($orphan.Name) documents a cmdlet the module does not export."
}

$utf8Bom = [System.Text.UTF8Encoding]::new($true)
foreach ($about in Get-ChildItem $SourcePath -Filter 'about_*.md') {
    [System.IO.File]::WriteAllText((Join-Path $OutputPath "$($about.BaseName).help.txt"), (ConvertTo-AboutText $about.FullName), $utf8Bom)
}
Write-Host "Help for $($commands.Count) cmdlets written to $OutputPath."
