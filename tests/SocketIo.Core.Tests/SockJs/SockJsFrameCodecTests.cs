using System;
using System.Text;
using System.Text.Json;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.SockJs;
using Xunit;

namespace SocketIo.Core.Tests.SockJs
{
    /// <summary>The SockJS frame codec against the test vectors of octoprint.md §5 (numbers as there).</summary>
    public class SockJsFrameCodecTests
    {
        private const string Session = "4b0e9f9c2f0d4c1f8e6a8d2b7c3e5a91e0c4d6b8a2f1e3c5d7b9a0c2e4f6a8b0";

        [Fact]
        public void Vector1_Open() => Assert.Same(SockJsFrame.Open, SockJsFrameCodec.Decode("o"));

        [Fact]
        public void Vector2_Heartbeat() => Assert.Same(SockJsFrame.Heartbeat, SockJsFrameCodec.Decode("h"));

        [Fact]
        public void Vector3_OctoPrintObjectElementIsKeptAsWritten()
        {
            const string connected = "{\"connected\":{\"version\":\"1.11.7\",\"display_version\":\"1.11.7\",\"branch\":null,\"python_version\":\"3.11.2\",\"plugin_hash\":\"6f1e0b5e1b4d1f6a4f0e1c9d0b3f2a7c\",\"config_hash\":\"0b5c7f1c2f6f0e8d9a3b4c5d6e7f8091\",\"debug\":false,\"safe_mode\":null,\"online\":true,\"permissions\":[{\"key\":\"STATUS\",\"name\":\"Status\",\"dangerous\":false,\"default_groups\":[\"users\",\"guests\"],\"description\":\"Allows to gather basic status information\",\"needs\":{\"role\":[\"status\"]}}]}}";
            var frame = SockJsFrameCodec.Decode("a[" + connected + "]");
            Assert.Equal(SockJsFrameType.Messages, frame.Type);
            Assert.Equal(new[] { connected }, Texts(frame));
        }

        [Fact]
        public void Vector4_StockSockJsStringElementIsUnwrapped()
        {
            var frame = SockJsFrameCodec.Decode("a[\"{\\\"connected\\\":{\\\"version\\\":\\\"1.11.7\\\",\\\"display_version\\\":\\\"1.11.7\\\",\\\"branch\\\":null}}\"]");
            Assert.Equal(new[] { "{\"connected\":{\"version\":\"1.11.7\",\"display_version\":\"1.11.7\",\"branch\":null}}" }, Texts(frame));
        }

        [Fact]
        public void Vector5_AuthClientFrame()
        {
            var frame = SockJsFrameCodec.EncodeMessage(OctoPrintCommands.Auth("bob", Session));
            Assert.Equal("[\"{\\\"auth\\\":\\\"bob:" + Session + "\\\"}\"]", Encoding.UTF8.GetString(frame));
        }

        [Fact]
        public void Vector6_ThrottleClientFrame()
        {
            var frame = SockJsFrameCodec.EncodeMessage(OctoPrintCommands.Throttle(2));
            Assert.Equal("[\"{\\\"throttle\\\":2}\"]", Encoding.UTF8.GetString(frame));
        }

        [Fact]
        public void Vector7_SubscribeClientFrame()
        {
            var subscription = new System.Collections.Specialized.OrderedDictionary
            {
                ["state"] = new System.Collections.Specialized.OrderedDictionary { ["logs"] = "^Recv: ", ["messages"] = false },
                ["events"] = new[] { "PrintDone", "PrintFailed" },
                ["plugins"] = false,
            };
            var frame = SockJsFrameCodec.EncodeMessage(OctoPrintCommands.Subscribe(subscription));
            Assert.Equal(
                "[\"{\\\"subscribe\\\":{\\\"state\\\":{\\\"logs\\\":\\\"^Recv: \\\",\\\"messages\\\":false},\\\"events\\\":[\\\"PrintDone\\\",\\\"PrintFailed\\\"],\\\"plugins\\\":false}}\"]",
                Encoding.UTF8.GetString(frame));
            // The inner string is JSON itself (the double encoding OctoPrint needs).
            var outer = JsonDocument.Parse(frame).RootElement;
            Assert.Equal(JsonValueKind.String, outer[0].ValueKind);
            Assert.Equal("^Recv: ", JsonDocument.Parse(outer[0].GetString()!).RootElement.GetProperty("subscribe").GetProperty("state").GetProperty("logs").GetString());
        }

        [Fact]
        public void Vector9_ReauthRequired() =>
            Assert.Equal(new[] { "{\"reauthRequired\":{\"reason\":\"stale\"}}" }, Texts(SockJsFrameCodec.Decode("a[{\"reauthRequired\":{\"reason\":\"stale\"}}]")));

        [Theory]
        [InlineData("{\"history\":{\"state\":{\"text\":\"Operational\",\"flags\":{\"operational\":true,\"printing\":false,\"cancelling\":false,\"pausing\":false,\"resuming\":false,\"finishing\":false,\"closedOrError\":false,\"error\":false,\"paused\":false,\"ready\":true,\"sdReady\":false},\"error\":\"\"},\"job\":{\"file\":{\"name\":null,\"path\":null,\"display\":null,\"origin\":null,\"size\":null,\"date\":null},\"estimatedPrintTime\":null,\"averagePrintTime\":null,\"lastPrintTime\":null,\"filament\":null,\"user\":null},\"currentZ\":null,\"progress\":{\"completion\":null,\"filepos\":null,\"printTime\":null,\"printTimeLeft\":null,\"printTimeLeftOrigin\":null},\"offsets\":{},\"resends\":{\"count\":0,\"transmitted\":0,\"ratio\":0},\"temps\":[{\"time\":1700000000,\"tool0\":{\"actual\":21.3,\"target\":0.0},\"bed\":{\"actual\":20.9,\"target\":0.0}}],\"logs\":[\"Recv: ok\"],\"messages\":[],\"markings\":[],\"serverTime\":1700000001.25}}")] // 10
        [InlineData("{\"current\":{\"state\":{\"text\":\"Printing\",\"flags\":{\"operational\":true,\"printing\":true,\"cancelling\":false,\"pausing\":false,\"resuming\":false,\"finishing\":false,\"closedOrError\":false,\"error\":false,\"paused\":false,\"ready\":false,\"sdReady\":false},\"error\":\"\"},\"job\":{\"file\":{\"name\":\"benchy.gcode\",\"path\":\"benchy.gcode\",\"display\":\"benchy.gcode\",\"origin\":\"local\",\"size\":1468987,\"date\":1699990000},\"estimatedPrintTime\":8811.5,\"averagePrintTime\":null,\"lastPrintTime\":null,\"filament\":{\"tool0\":{\"length\":810.2,\"volume\":5.36}},\"user\":\"bob\"},\"currentZ\":2.4,\"progress\":{\"completion\":23.5,\"filepos\":345210,\"printTime\":276,\"printTimeLeft\":912,\"printTimeLeftOrigin\":\"estimate\"},\"offsets\":{},\"resends\":{\"count\":0,\"transmitted\":1532,\"ratio\":0},\"serverTime\":1700000123.456,\"temps\":[{\"time\":1700000123,\"tool0\":{\"actual\":214.9,\"target\":215.0},\"bed\":{\"actual\":60.1,\"target\":60.0}}],\"busyFiles\":[{\"origin\":\"local\",\"path\":\"benchy.gcode\"}],\"markings\":[],\"logs\":[\"Send: N1234 G1 X10 Y10 E0.5*42\",\"Recv: ok\"],\"messages\":[]}}")] // 11
        [InlineData("{\"event\":{\"type\":\"PrintStarted\",\"payload\":{\"name\":\"benchy.gcode\",\"path\":\"benchy.gcode\",\"origin\":\"local\",\"size\":1468987,\"owner\":\"bob\",\"user\":\"bob\"}}}")] // 12
        [InlineData("{\"event\":{\"type\":\"PrintDone\",\"payload\":{\"name\":\"benchy.gcode\",\"path\":\"benchy.gcode\",\"origin\":\"local\",\"size\":1468987,\"owner\":\"bob\",\"time\":5321.87}}}")] // 13
        [InlineData("{\"event\":{\"type\":\"PrintFailed\",\"payload\":{\"name\":\"benchy.gcode\",\"path\":\"benchy.gcode\",\"origin\":\"local\",\"size\":1468987,\"owner\":\"bob\",\"time\":812.4,\"reason\":\"cancelled\"}}}")] // 14
        [InlineData("{\"event\":{\"type\":\"Disconnected\",\"payload\":null}}")] // 15
        [InlineData("{\"timelapse\":null}")] // 17
        [InlineData("{\"slicingProgress\":{\"slicer\":\"curalegacy\",\"source_location\":\"local\",\"source_path\":\"cube.stl\",\"dest_location\":\"local\",\"dest_path\":\"cube.gco\",\"progress\":42.0}}")] // 17
        public void Vectors10To15And17_OneMessageEach(string message) =>
            Assert.Equal(new[] { message }, Texts(SockJsFrameCodec.Decode("a[" + message + "]")));

        [Fact]
        public void Vector16_TwoMessagesBatchedInOrder()
        {
            const string first = "{\"event\":{\"type\":\"PrintPaused\",\"payload\":{\"name\":\"benchy.gcode\",\"path\":\"benchy.gcode\",\"origin\":\"local\",\"size\":1468987,\"owner\":\"bob\",\"user\":\"bob\",\"fileposition\":345210,\"progress\":23.5}}}";
            const string second = "{\"plugin\":{\"plugin\":\"display_layer_progress\",\"data\":{\"layer\":12}}}";
            Assert.Equal(new[] { first, second }, Texts(SockJsFrameCodec.Decode("a[" + first + "," + second + "]")));
        }

        [Fact]
        public void Vector18_ServerClose()
        {
            var frame = SockJsFrameCodec.Decode("c[3000,\"Go away!\"]");
            Assert.Equal(SockJsFrameType.Close, frame.Type);
            Assert.Equal(3000, frame.CloseCode);
            Assert.Equal("Go away!", frame.CloseReason);
        }

        [Fact]
        public void Vector19_AnotherConnectionStillOpen()
        {
            var frame = SockJsFrameCodec.Decode("c[2010,\"Another connection still open\"]");
            Assert.Equal((2010, "Another connection still open"), (frame.CloseCode, frame.CloseReason));
        }

        [Fact]
        public void SingleMessageFrame_ObjectAndString()
        {
            Assert.Equal(new[] { "{\"a\":1}" }, Texts(SockJsFrameCodec.Decode("m{\"a\":1}")));
            Assert.Equal(new[] { "{\"a\":1}" }, Texts(SockJsFrameCodec.Decode("m\"{\\\"a\\\":1}\"")));
        }

        [Fact]
        public void EmptyArrayAndWhitespaceAreFine()
        {
            Assert.Empty(SockJsFrameCodec.Decode("a[]").Messages);
            Assert.Equal(new[] { "{\"a\":1}", "{\"b\":2}" }, Texts(SockJsFrameCodec.Decode("a[ {\"a\":1} , \"{\\\"b\\\":2}\" ]")));
        }

        [Fact]
        public void EscapedUnicodeInStringElementsIsDecoded()
        {
            var frame = SockJsFrameCodec.Decode("a[\"{\\\"t\\\":\\\"caf\\u00e9 \\u20ac\\\"}\"]");
            Assert.Equal("{\"t\":\"café €\"}", frame.MessageText(0));
        }

        [Fact]
        public void EncodeSeveralMessagesAndNonAscii()
        {
            var frame = SockJsFrameCodec.EncodeMessages(new[] { "{\"a\":\"café\"}", "{\"b\":\"x\\\\y\"}" });
            var text = Encoding.UTF8.GetString(frame);
            Assert.Equal("[\"{\\\"a\\\":\\\"café\\\"}\",\"{\\\"b\\\":\\\"x\\\\\\\\y\\\"}\"]", text);
            var decoded = JsonSerializer.Deserialize<string[]>(text)!;
            Assert.Equal(new[] { "{\"a\":\"café\"}", "{\"b\":\"x\\\\y\"}" }, decoded);
        }

        [Theory]
        [InlineData("")]
        [InlineData("x")]
        [InlineData("ox")]
        [InlineData("hh")]
        [InlineData("a")]
        [InlineData("a{")]
        [InlineData("a[")]
        [InlineData("a[{\"a\":1}")]
        [InlineData("a[{\"a\":1}]x")]
        [InlineData("a{\"a\":1}")]
        [InlineData("a[\"not json\"]")]
        [InlineData("a[\"{\\\"a\\\":1} {}\"]")]
        [InlineData("a[\"\"]")]
        [InlineData("a[\"\\ud800\"]")]
        [InlineData("m")]
        [InlineData("m{\"a\":1}{}")]
        [InlineData("c")]
        [InlineData("c[]")]
        [InlineData("c[3000]")]
        [InlineData("c[\"3000\",\"x\"]")]
        [InlineData("c[3000.5,\"x\"]")]
        [InlineData("c[3000,\"x\",1]")]
        [InlineData("c[3000,null]")]
        [InlineData("c[3000,\"x\"]]")]
        public void InvalidFramesThrowOnlyProtocolErrors(string frame) =>
            Assert.Throws<SocketIoProtocolException>(() => SockJsFrameCodec.Decode(frame));

        [Fact]
        public void InvalidUtf8AndDeepNestingAreProtocolErrors()
        {
            Assert.Throws<SocketIoProtocolException>(() => SockJsFrameCodec.Decode(new byte[] { (byte)'a', (byte)'[', (byte)'"', 0xff, (byte)'"', (byte)']' }));
            var deep = "a[" + new string('[', 300) + new string(']', 300) + "]";
            Assert.Throws<SocketIoProtocolException>(() => SockJsFrameCodec.Decode(deep));
        }

        private static string[] Texts(SockJsFrame frame)
        {
            var texts = new string[frame.Messages.Count];
            for (int i = 0; i < texts.Length; i++) texts[i] = frame.MessageText(i);
            return texts;
        }
    }
}
