using System;
using System.Management.Automation;
using System.Security;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>Lets a SecureString parameter take a plain string too (api.md: <c>-ApiKey $env:OCTOPRINT_KEY</c>).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (!(value is string text)) return value;
            var secure = new SecureString();
            foreach (var c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }
    }
}
