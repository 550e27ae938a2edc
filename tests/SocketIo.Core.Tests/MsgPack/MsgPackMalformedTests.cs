using System;
using System.Collections.Generic;
using System.Linq;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using SocketIo.Core.SocketIo.MsgPack;
using Xunit;

namespace SocketIo.Core.Tests.MsgPack
{
    /// <summary>Bad input of every kind: the decoder throws SocketIoProtocolException and nothing else.</summary>
    public class MsgPackMalformedTests
    {
        private static readonly MsgPackSioDecoder Decoder = new MsgPackSioDecoder(DefaultJsonValueFactory.Instance);

        // Pieces to build packets in hex: keys and a few values.
        private const string Type = "a474797065";
        private const string Data = "a464617461";
        private const string Nsp = "a36e7370";
        private const string Id = "a26964";
        private const string Root = "a12f"; // "/"

        private static SocketIoProtocolException Rejects(string hex) => Rejects(Convert.FromHexString(hex));

        private static SocketIoProtocolException Rejects(byte[] bytes) =>
            Assert.Throws<SocketIoProtocolException>(() => Decoder.DecodeBinary(bytes)); // exactly this type

        private static SioPacket Accepts(string hex) => Decoder.DecodeBinary(Convert.FromHexString(hex));

        /// <summary>{type: 2, data: X, nsp: "/"} with X given in hex.</summary>
        private static string EventWithData(string data) => "83" + Type + "02" + Data + data + Nsp + Root;

        [Fact]
        public void EmptyInputAndTextMessages()
        {
            Rejects(Array.Empty<byte>());
            Assert.Throws<SocketIoProtocolException>(() => Decoder.DecodeText("2[\"x\"]"u8));
            Assert.Throws<SocketIoProtocolException>(() => Decoder.DecodeText(ReadOnlySpan<byte>.Empty));
        }

        [Fact]
        public void EveryTruncationOfEveryVector()
        {
            foreach (var hex in MsgPackVectorTests.All)
            {
                var bytes = Convert.FromHexString(hex);
                Assert.NotNull(Decoder.DecodeBinary(bytes));
                for (int length = 0; length < bytes.Length; length++)
                    Rejects(bytes.AsSpan(0, length).ToArray());
            }
        }

        [Fact]
        public void TrailingBytes()
        {
            Assert.Contains("unexpected byte", Rejects(MsgPackVectorTests.All[0] + "c0").Message);
        }

        [Theory]
        [InlineData("dbffffffff61")]         // str 32 of 4 GiB, one byte present
        [InlineData("da0100")]               // str 16 of 256, nothing present
        [InlineData("c6ffffffff00")]         // bin 32
        [InlineData("c50002")]               // bin 16
        [InlineData("c9ffffffff0000")]       // ext 32 (notepack's ArrayBuffer)
        [InlineData("ddffffffff01")]         // array 32 of 4 G items
        [InlineData("dcffff0102")]           // array 16 of 65535 items, two present
        [InlineData("dfffffffff")]           // map 32
        [InlineData("de00030102")]           // map 16 of 3 pairs, one present
        [InlineData("9f")]                   // fixarray of 15, nothing present
        public void LyingLengthsAreRejectedBeforeAnyAllocation(string value)
        {
            Rejects("83" + Type + "02" + Nsp + Root + Data + "92a161" + value); // the lie at the very end
            Rejects(EventWithData("92a161" + value));
        }

        [Fact]
        public void LyingRootMap()
        {
            Rejects("dfffffffff" + Type + "02");
            Rejects("8f" + Type + "02");
        }

        [Fact]
        public void NestingIsBounded()
        {
            // The data array counts as the first level: 128 levels are fine, 129 are not.
            Assert.NotNull(Accepts(EventWithData("92a161" + Nested(127))));
            Rejects(EventWithData("92a161" + Nested(128)));
            // Deep nesting in a key nobody reads is checked too, and a million levels fail fast, without a stack overflow.
            Rejects("84" + Type + "02" + Data + "91a161" + Nsp + Root + "a16f" + Nested(200));
            Rejects(EventWithData("92a161" + string.Concat(Enumerable.Repeat("91", 1_000_000)) + "c0"));
            Rejects(EventWithData("92a161" + string.Concat(Enumerable.Repeat("81a16b", 300)) + "c0"));
        }

        /// <summary>n nested arrays around nil.</summary>
        private static string Nested(int levels) => string.Concat(Enumerable.Repeat("91", levels)) + "c0";

        [Theory]
        [InlineData("c1")]               // never used
        [InlineData("d40100")]           // fixext 1 of type 1
        [InlineData("d5000102")]         // fixext 2 of type 0 (notepack knows only 1 and 8)
        [InlineData("d6ff00000001")]     // fixext 4 of type -1: a msgpack timestamp
        [InlineData("d7050000000000000000")] // fixext 8 of type 5
        [InlineData("d80500000000000000000000000000000000")] // fixext 16
        [InlineData("c7010501")]         // ext 8 of type 5
        [InlineData("c800010501")]       // ext 16 of type 5
        [InlineData("d7007fffffffffffffff")] // a Date beyond the year 9999
        public void UnknownFormatsAndExtensions(string value)
        {
            Rejects(EventWithData("92a161" + value));
        }

        [Theory]
        [InlineData("82" + Data + "91a161" + Nsp + Root)]                      // no type
        [InlineData("83" + Type + "05" + Data + "91a161" + Nsp + Root)]        // BINARY_EVENT: not in the msgpack parser
        [InlineData("83" + Type + "06" + Data + "91a161" + Nsp + Root + "")]   // BINARY_ACK
        [InlineData("83" + Type + "ff" + Data + "91a161" + Nsp + Root)]        // -1
        [InlineData("83" + Type + "cb3ff8000000000000" + Data + "91a161" + Nsp + Root)] // 1.5
        [InlineData("83" + Type + "a132" + Data + "91a161" + Nsp + Root)]      // "2"
        [InlineData("83" + Type + "c0" + Data + "91a161" + Nsp + Root)]        // nil
        [InlineData("82" + Type + "02" + Data + "91a161")]                     // no nsp
        [InlineData("83" + Type + "02" + Data + "91a161" + Nsp + "01")]        // nsp not a string
        [InlineData("84" + Type + "03" + Data + "90" + Nsp + Root + Id + "a131")] // id "1"
        [InlineData("84" + Type + "03" + Data + "90" + Nsp + Root + Id + "cb3ff8000000000000")] // id 1.5
        [InlineData("84" + Type + "03" + Data + "90" + Nsp + Root + Id + "c3")] // id true
        [InlineData("84" + Type + "03" + Data + "90" + Nsp + Root + Id + "cfffffffffffffffff")] // id beyond Int64
        [InlineData("83" + Type + "03" + Data + "90" + Nsp + Root)]            // ACK without id
        [InlineData("91" + Type)]                                              // root not a map
        [InlineData("02")]
        [InlineData("c0")]
        public void InvalidPacketFields(string hex)
        {
            Rejects(hex);
        }

        [Theory]
        [InlineData("80")]               // EVENT data a map
        [InlineData("c0")]               // nil
        [InlineData("a161")]             // a string
        [InlineData("90")]               // empty array
        [InlineData("91a7636f6e6e656374")] // ["connect"]: reserved
        [InlineData("91c3")]             // [true]: no event name
        [InlineData("91c0")]             // [null]
        [InlineData("91c40101")]         // [<bin>]
        public void InvalidEventData(string data)
        {
            Rejects(EventWithData(data));
        }

        [Fact]
        public void MissingEventData()
        {
            Rejects("82" + Type + "02" + Nsp + Root);
        }

        [Theory]
        [InlineData("00", "90")]     // CONNECT with an array
        [InlineData("00", "a161")]   // CONNECT with a string
        [InlineData("04", "01")]     // CONNECT_ERROR with a number
        [InlineData("04", "90")]     // CONNECT_ERROR with an array
        [InlineData("03", "80")]     // ACK with a map
        public void InvalidPayloadForType(string type, string data)
        {
            Rejects("84" + Type + type + Data + data + Nsp + Root + Id + "01");
        }

        [Theory]
        [InlineData("80")]               // a map as key
        [InlineData("90")]               // an array as key
        [InlineData("c40161")]           // binary as key
        [InlineData("cb3ff8000000000000")] // a float as key
        public void NonScalarMapKeys(string key)
        {
            Rejects(EventWithData("92a161" + "81" + key + "01"));
            Rejects("84" + key + "01" + Type + "02" + Data + "91a161" + Nsp + Root);
        }

        [Fact]
        public void ToleratedVariants()
        {
            // type as a whole float 64 (Number.isInteger(2.0)), id as a whole float, nil id (python-socketio).
            var floatType = Accepts("84" + Type + "cb4000000000000000" + Data + "91a161" + Nsp + Root + Id + "cb4014000000000000");
            Assert.Equal(SioPacketType.Event, floatType.Type);
            Assert.Equal(5L, floatType.Id);
            Assert.Null(Accepts("84" + Type + "02" + Data + "91a161" + Nsp + Root + Id + "c0").Id);
            Assert.Equal(-1L, Accepts("84" + Type + "02" + Data + "91a161" + Nsp + Root + Id + "ff").Id); // Number.isInteger(-1)

            // python-socketio sends data: nil where there is none; a DISCONNECT with data keeps it as Payload.
            Assert.Equal(SioPacketType.Connect, Accepts("83" + Type + "00" + Data + "c0" + Nsp + Root).Type);
            Assert.Null(Accepts("83" + Type + "01" + Data + "c0" + Nsp + Root).Payload);
            Assert.Equal("bye", Accepts("83" + Type + "01" + Data + "a3627965" + Nsp + Root).Payload);
            Assert.Equal("Connection rejected by server", Accepts("82" + Type + "04" + Nsp + Root).ErrorMessage);
            Assert.Equal("Connection rejected by server", Accepts("83" + Type + "04" + Data + "80" + Nsp + Root).ErrorMessage);

            // Numeric event names become strings; scalar keys become strings; a repeated key: the last one wins.
            Assert.Equal("7", Accepts(EventWithData("9107")).Arguments![0]);
            var map = Assert.IsType<OrderedJsonObject>(
                Accepts(EventWithData("92a161" + "84" + "01" + "a131" + "c3" + "a174" + "c0" + "a16e" + "d40000" + "c0")).Arguments![1]);
            Assert.Equal("1", map["1"]);
            Assert.Equal("t", map["true"]);
            Assert.Equal("n", map["null"]);
            Assert.True(map.ContainsKey("undefined"));
            Assert.Null(map["undefined"]);
            // An undefined value is no property at all (JSON.stringify drops it too); in an array it is null.
            var dropped = Assert.IsType<OrderedJsonObject>(
                Accepts(EventWithData("93a161" + "82a16101a162d40000" + "d40000")).Arguments![1]);
            Assert.Equal(new object[] { "a" }, dropped.Keys.Cast<object>());
            Assert.Null(Accepts(EventWithData("93a161" + "80" + "d40000")).Arguments![2]);
            var last = Accepts("84" + Type + "02" + Data + "91a161" + Nsp + Root + Nsp + "a42f6e6577");
            Assert.Equal("/new", last.Namespace);

            // Invalid UTF-8 becomes U+FFFD, as in node.
            Assert.Equal("a\uFFFDb", Accepts(EventWithData("91a361ff62")).Arguments![0]);
        }

        /// <summary>Random damage to valid packets (a fixed seed, so a failure repeats): only protocol errors.</summary>
        [Fact]
        public void MutatedPacketsOnlyEverFailWithProtocolErrors()
        {
            var random = new Random(20240611);
            var vectors = MsgPackVectorTests.All.Select(Convert.FromHexString).ToArray();
            int accepted = 0, rejected = 0;
            for (int iteration = 0; iteration < 30_000; iteration++)
            {
                var bytes = Mutate(vectors[random.Next(vectors.Length)], random);
                try
                {
                    Decoder.DecodeBinary(bytes);
                    accepted++;
                }
                catch (SocketIoProtocolException)
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"{e.GetType().Name} for {Convert.ToHexString(bytes)}: {e}");
                }
            }
            Assert.True(accepted > 100 && rejected > 100, $"accepted {accepted}, rejected {rejected}");
        }

        private static byte[] Mutate(byte[] original, Random random)
        {
            var bytes = new List<byte>(original);
            int edits = 1 + random.Next(3);
            for (int i = 0; i < edits && bytes.Count > 0; i++)
            {
                int at = random.Next(bytes.Count);
                switch (random.Next(5))
                {
                    case 0: bytes[at] = (byte)random.Next(256); break;
                    case 1: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                    case 2: bytes.RemoveAt(at); break;
                    case 3: bytes.Insert(at, (byte)random.Next(256)); break;
                    default: bytes[at] = InterestingBytes[random.Next(InterestingBytes.Length)]; break;
                }
            }
            return bytes.ToArray();
        }

        // Format bytes with lengths or counts, and extension headers.
        private static readonly byte[] InterestingBytes =
            { 0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xd4, 0xd7, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff, 0x9f, 0x8f, 0xbf };
    }
}
