using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class NamespaceSocket
    {
        // ---- incoming packets and events ----

        internal void OnPacket(SioPacket packet, DateTime receivedAt, EngineSession session)
        {
            switch (packet.Type)
            {
                case SioPacketType.Connect:
                    OnConnectReply(packet, session);
                    break;
                case SioPacketType.ConnectError:
                    OnConnectError(packet);
                    break;
                case SioPacketType.Disconnect:
                    CloseWork? work;
                    lock (_gate) work = _state == ConnectionState.Connected ? CloseLocked(DisconnectReasons.IoServerDisconnect) : null;
                    if (work == null) return;
                    Finish(work, raiseDisconnect: true, details: packet.Payload);
                    _manager.SocketLeftInBackground();
                    break;
                case SioPacketType.Event:
                case SioPacketType.BinaryEvent:
                    OnEvent(packet, receivedAt);
                    break;
                default:
                    PendingAck? pending;
                    lock (_gate) pending = TakeLocked(packet.Id!.Value);
                    if (pending != null) CompleteAck(pending, null, packet.Arguments!);
                    break;
            }
        }

        private void OnEvent(SioPacket packet, DateTime receivedAt)
        {
            string name;
            object?[] arguments;
            if (packet.EventName != null)
            {
                name = packet.EventName;
                arguments = packet.EventArguments!; // the decoder split the name off already: no copy
            }
            else
            {
                var all = packet.Arguments!;
                name = (string)all[0]!;
                arguments = new object?[all.Length - 1];
                Array.Copy(all, 1, arguments, 0, arguments.Length);
            }
            string? offset = null;
            if (packet.Id == null && arguments.Length > 0 && arguments[arguments.Length - 1] is string last)
            {
                lock (_gate)
                {
                    // Only a session with recovery (a pid) appends offsets; events that ask for an ack never carry one.
                    if (_pid != null)
                    {
                        offset = last;
                        _lastOffset = last;
                    }
                }
            }
            var incoming = new IncomingEvent(name, Namespace, arguments, receivedAt, packet.Id,
                packet.Id == null ? null : SendAckAsync, packet.Attachments)
            {
                Offset = offset,
            };
            Interlocked.Increment(ref _eventsReceived);
            _manager.Dispatcher.Post(_raiseEventReceived, incoming);
        }

        private async Task SendAckAsync(long id, IReadOnlyList<object?> arguments)
        {
            var frames = _manager.Options.Parser.EncodeAck(Namespace, id, arguments, _manager.Options.ValueAdapter);
            var packet = new OutgoingPacket(this, frames, null, null, false);
            lock (_gate)
            {
                if (_state != ConnectionState.Connected || _session == null)
                    throw new SocketIoNotConnectedException($"Namespace '{Namespace}' is not connected (state: {_state}).");
                packet.Status = PacketStatus.Queued;
                packet.Session = _session;
                if (!_session.Enqueue(packet)) throw new SocketIoNotConnectedException($"Namespace '{Namespace}' lost its connection.");
            }
            await packet.Written.ConfigureAwait(false);
            if (packet.Error != null) ExceptionDispatchInfo.Capture(packet.Error).Throw();
        }
    }
}
