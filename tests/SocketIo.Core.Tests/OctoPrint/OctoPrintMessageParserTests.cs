using System;
using System.Collections.Specialized;
using System.Text;
using SocketIo.Core.Json;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.SockJs;
using Xunit;

namespace SocketIo.Core.Tests.OctoPrint
{
    public class OctoPrintMessageParserTests
    {
        private static readonly DateTime At = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

        private static OctoPrintMessage[] Parse(string json)
        {
            var list = OctoPrintMessageParser.Parse(Encoding.UTF8.GetBytes(json), DefaultJsonValueFactory.Instance, At);
            var array = new OctoPrintMessage[list.Count];
            for (int i = 0; i < array.Length; i++) array[i] = list[i];
            return array;
        }

        [Fact]
        public void EventCarriesItsTypeAndPayload()
        {
            var message = Assert.Single(Parse("{\"event\":{\"type\":\"PrintDone\",\"payload\":{\"name\":\"benchy.gcode\",\"time\":5321.87}}}"));
            Assert.Equal("event", message.Type);
            Assert.Equal("PrintDone", message.EventType);
            Assert.Equal(At, message.ReceivedAt);
            var payload = Assert.IsType<OrderedJsonObject>(message.Payload);
            Assert.Equal("PrintDone", payload["type"]);
            var eventPayload = Assert.IsType<OrderedJsonObject>(message.EventPayload);
            Assert.Equal("benchy.gcode", eventPayload["name"]);
            Assert.Equal(5321.87, eventPayload["time"]);
            Assert.Equal("event:PrintDone", message.ToString());
        }

        [Fact]
        public void NullPayloadsStayNull()
        {
            var message = Assert.Single(Parse("{\"event\":{\"type\":\"Disconnected\",\"payload\":null}}"));
            Assert.Equal("Disconnected", message.EventType);
            Assert.Null(message.EventPayload);
            var timelapse = Assert.Single(Parse("{\"timelapse\":null}"));
            Assert.Equal("timelapse", timelapse.Type);
            Assert.Null(timelapse.Payload);
            Assert.Null(timelapse.EventType);
        }

        [Fact]
        public void ReauthRequiredCarriesItsReason()
        {
            var message = Assert.Single(Parse("{\"reauthRequired\":{\"reason\":\"stale\"}}"));
            Assert.Equal("reauthRequired", message.Type);
            Assert.Equal("stale", message.Reason);
        }

        [Fact]
        public void NumbersFollowTheCoreMapping()
        {
            var current = Assert.Single(Parse("{\"current\":{\"progress\":{\"completion\":23.5,\"filepos\":345210,\"big\":9007199254740991}}}"));
            var progress = (OrderedJsonObject)((OrderedJsonObject)current.Payload!)["progress"]!;
            Assert.Equal(23.5, progress["completion"]);
            Assert.Equal(345210, progress["filepos"]);
            Assert.Equal(9007199254740991L, progress["big"]);
        }

        [Fact]
        public void EveryKeyIsOneMessageInOrder()
        {
            var messages = Parse("{\"plugin\":{\"plugin\":\"x\",\"data\":1},\"renderProgress\":{\"progress\":37.5}}");
            Assert.Equal(new[] { "plugin", "renderProgress" }, Array.ConvertAll(messages, m => m.Type));
        }

        [Theory]
        [InlineData("[1,2]")]
        [InlineData("\"text\"")]
        [InlineData("42")]
        [InlineData("null")]
        [InlineData("{}")]
        public void NonObjectsAreIgnored(string json) => Assert.Empty(Parse(json));

        [Fact]
        public void StockFramedMessagesParseTheSame()
        {
            var frame = SockJsFrameCodec.Decode("a[\"{\\\"event\\\":{\\\"type\\\":\\\"PrintStarted\\\",\\\"payload\\\":{\\\"name\\\":\\\"a\\\"}}}\"]");
            var message = Assert.Single(OctoPrintMessageParser.Parse(frame.Messages[0], DefaultJsonValueFactory.Instance, At));
            Assert.Equal("PrintStarted", message.EventType);
        }

        [Fact]
        public void CommandsAreCompactJson()
        {
            Assert.Equal("{\"auth\":\"bob:abc\"}", OctoPrintCommands.Auth("bob", "abc"));
            Assert.Equal("{\"throttle\":3}", OctoPrintCommands.Throttle(3));
            Assert.Equal("{\"x\":null}", OctoPrintCommands.Message("x", null, null));
            Assert.Throws<SocketIoSerializationException>(() => OctoPrintCommands.Message("x", new byte[] { 1 }, null));
        }
    }
}
