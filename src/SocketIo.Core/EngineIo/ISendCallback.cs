using System;

namespace SocketIo.Core.EngineIo
{
    /// <summary>Hears how an <see cref="EngineSocket.Send"/> ended: exactly one call, on the writer's thread (or the closing one). It
    /// must not block: it runs inside the writer loop.</summary>
    internal interface ISendCallback
    {
        void OnSent();

        void OnSendFailed(Exception error);
    }
}
