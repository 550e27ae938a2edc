using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Base of the blocking cmdlets: Ctrl+C (StopProcessing) cancels whatever they wait for, promptly, and waits happen
    /// on the cmdlet thread so output, errors and verbose text are written from there only.
    /// </summary>
    public abstract class SocketIoCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        protected CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Waits for a core operation; a stop request ends the pipeline the way PowerShell expects.</summary>
        protected T Await<T>(Task<T> task)
        {
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        protected void Await(Task task)
        {
            try
            {
                task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        public void Dispose()
        {
            _stopping.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
