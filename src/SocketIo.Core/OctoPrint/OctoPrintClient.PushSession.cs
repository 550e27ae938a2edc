using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SockJs;

namespace SocketIo.Core.OctoPrint
{
    public sealed partial class OctoPrintClient
    {
        /// <summary>One SockJS session with its login and the connect flow's milestones.</summary>
        private sealed class PushSession
        {
            public PushSession(SockJsClient sockJs, OctoPrintLoginResult login)
            {
                SockJs = sockJs;
                Login = login;
            }

            public SockJsClient SockJs { get; }

            public OctoPrintLoginResult Login { get; }

            public TaskCompletionSource<bool> ConnectedMessage { get; } = NewSignal();

            public TaskCompletionSource<bool> History { get; } = NewSignal();

            public SemaphoreSlim ThrottleLock { get; } = new SemaphoreSlim(1, 1);

            /// <summary>The factor the server has for this socket (it starts at 1).</summary>
            public int ServerThrottle = 1;

            public int AuthSent;

            public int Reauthing;

            private static TaskCompletionSource<bool> NewSignal()
            {
                var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                // A failure nobody waits for any more (the connect flow gave up first) is not an unobserved exception.
                signal.Task.ContinueWith(t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return signal;
            }
        }
    }
}
