// Kotlin tests of the UniFFI bindings, run on the JVM against a host build of libkehu_mobile.
// Usage: java ... KehuTestKt <testdata/golden_profile.json> <testdata/golden_value.json>

import kehu.*
import java.io.File
import kotlin.math.abs

// A small JSON reader for the golden file (the JDK has no JSON API).
class Json(private val s: String) {
    private var i = 0
    fun parse(): Any? { val v = value(); ws(); require(i == s.length) { "trailing text at $i" }; return v }
    private fun ws() { while (i < s.length && s[i].isWhitespace()) i++ }
    private fun value(): Any? {
        ws()
        return when (s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> { i += 4; true }
            'f' -> { i += 5; false }
            'n' -> { i += 4; null }
            else -> num()
        }
    }
    private fun obj(): Map<String, Any?> {
        val m = LinkedHashMap<String, Any?>(); i++; ws()
        if (s[i] == '}') { i++; return m }
        while (true) {
            ws(); val k = str(); ws(); i++ // ':'
            m[k] = value(); ws()
            if (s[i++] == '}') return m
        }
    }
    private fun arr(): List<Any?> {
        val l = ArrayList<Any?>(); i++; ws()
        if (s[i] == ']') { i++; return l }
        while (true) {
            l.add(value()); ws()
            if (s[i++] == ']') return l
        }
    }
    private fun str(): String {
        val b = StringBuilder(); i++
        while (s[i] != '"') {
            if (s[i] == '\\') {
                i++
                when (s[i]) {
                    'n' -> b.append('\n'); 't' -> b.append('\t'); 'r' -> b.append('\r')
                    'u' -> { b.append(s.substring(i + 1, i + 5).toInt(16).toChar()); i += 4 }
                    else -> b.append(s[i])
                }
            } else b.append(s[i])
            i++
        }
        i++
        return b.toString()
    }
    private fun num(): Double {
        val start = i
        while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
        return s.substring(start, i).toDouble()
    }
}

var passed = 0
var failed = 0

fun check(name: String, body: () -> Unit) {
    try { body(); passed++; println("ok - $name") } catch (e: Throwable) { failed++; println("FAILED - $name: $e") }
}

fun close(a: Double, b: Double, rel: Double = 1e-12) =
    require(abs(a - b) <= rel * maxOf(1.0, abs(b))) { "$a vs $b" }

@Suppress("UNCHECKED_CAST")
fun main(args: Array<String>) {
    val golden = Json(File(args[0]).readText()).parse() as Map<String, Any?>
    val events = golden["events"] as List<Map<String, Any?>>
    val expected = (golden["profiles"] as List<Map<String, Any?>>).associateBy { it["customer_id"] as String }
    val expectedTags = (golden["profiles"] as List<Map<String, Any?>>).map { it["customer_id"] as String }
        .zip(golden["tags"] as List<List<String>>).toMap()
    val end = golden["observation_end"] as String
    val settings = ProfileSettings(end, null, null, null)
    // The golden tag_rules object, written back to JSON for Tags.fromJson.
    val rulesJson = toJson(golden["tag_rules"])
    val tags = Tags.fromJson(rulesJson)

    check("incremental profiles equal the golden batch profiles") {
        val byCustomer = events.groupBy { it["customer_id"] as String }
        var compared = 0
        for ((id, evs) in byCustomer) {
            var p = IncrementalProfile()
            for (e in evs.sortedBy { it["timestamp"] as String }) {
                p.add(ProfileEvent(e["timestamp"] as String, e["amount"] as Double,
                    e["order_id"] as String?, e["category"] as String?, e["channel"] as String?))
            }
            p = IncrementalProfile.fromJson(p.toJson()) // persisted and resumed, as an app would
            val got = p.profile(id, settings)
            val exp = expected[id]
            if (exp == null) { require(got == null) { "$id has no purchases" }; continue }
            require(got != null)
            close(got.totalSpend, exp["total_spend"] as Double)
            close(got.avgOrderValue, exp["avg_order_value"] as Double)
            close(got.tenureDays, exp["tenure_days"] as Double)
            close(got.monetaryValue, exp["monetary_value"] as Double)
            close(got.spendTrend, exp["spend_trend"] as Double, 1e-9)
            close(got.t, exp["t"] as Double)
            require(got.orders.toDouble() == exp["orders"] as Double)
            require(got.firstPurchase.toDouble() == exp["first_purchase"] as Double)
            require(got.preferredHour.toDouble() == exp["preferred_hour"] as Double)
            require((got.intervalStdDays == null) == (exp["interval_std_days"] == null))
            require(p.tags(id, tags, settings) == expectedTags[id]) { "tags of $id" }
            compared++
        }
        require(compared == expected.size) { "compared $compared of ${expected.size}" }
    }

    check("documents: kind, newer version, invalid JSON") {
        require(documentKind(IncrementalProfile().toJson()) == "profile_state")
        require(tags.names() == listOf("repeat_buyer", "high_value", "returner"))
        try { IncrementalProfile.fromJson("{\"format_version\": 99, \"kind\": \"profile_state\"}"); error("accepted") }
        catch (e: KehuException.Format) { require(e.code == "FORMAT_NEWER_VERSION") { e.code } }
        try { Tags.fromJson("{oops"); error("accepted") }
        catch (e: KehuException.Format) { require(e.code == "FORMAT_INVALID") }
        try { Tags.fromJson("{\"format_version\":1,\"kind\":\"tag_rules\",\"tags\":[{\"name\":\"x\",\"when\":\"nope > 1\"}]}"); error("accepted") }
        catch (e: KehuException.Profile) { require(e.code == "PROFILE_INVALID_RULE") }
        try { checkSimulationConfig("{\"format_version\":1,\"kind\":\"simulation_config\",\"customers\":0}"); error("accepted") }
        catch (e: KehuException.Simulate) { require(e.code == "SIMULATE_INVALID_CONFIG") }
    }

    check("bad events are typed errors and leave the profile unchanged") {
        val p = IncrementalProfile()
        try { p.add(ProfileEvent("yesterday", 1.0, null, null, null)); error("accepted") }
        catch (e: KehuException.Profile) { require(e.code == "PROFILE_INVALID_EVENT") }
        try { p.add(ProfileEvent("2024-01-01", Double.NaN, null, null, null)); error("accepted") }
        catch (e: KehuException.Profile) { require(e.code == "PROFILE_INVALID_EVENT") }
        require(p.profile("c", null) == null)
        p.add(ProfileEvent("2024-01-01T10:00:00", 12.5, "o1", "books", "app"))
        val got = p.profile("c", ProfileSettings("2024-01-31", 1u, null, null))!!
        require(got.orders == 1uL && got.totalSpend == 12.5 && got.t == 30.0)
        require(got.topCategories.single().name == "books")
        try { p.profile("c", ProfileSettings("never", null, null, null)); error("accepted") }
        catch (e: KehuException.Data) { require(e.code == "DATA_INVALID_OPTION") }
    }

    valueTests(args[1])
    segmentTests(args[2])

    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}

fun toJson(v: Any?): String = when (v) {
    null -> "null"
    is String -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
    is Double -> if (v == Math.floor(v)) v.toLong().toString() else v.toString()
    is Boolean -> v.toString()
    is List<*> -> v.joinToString(",", "[", "]") { toJson(it) }
    is Map<*, *> -> v.entries.joinToString(",", "{", "}") { "\"${it.key}\":${toJson(it.value)}" }
    else -> error("unexpected $v")
}

@Suppress("UNCHECKED_CAST")
fun valueTests(path: String) {
    val g = Json(File(path).readText()).parse() as Map<String, Any?>
    val c = g["customers"] as Map<String, List<Double>>
    val o = g["clv_options"] as Map<String, Double>
    val thresholds = g["tier_thresholds"] as List<Double>
    check("value models saved by the core score the golden customers identically") {
        val scorer = ValueScorer.fromJson(toJson(g["bgnbd"]), toJson(g["gamma_gamma"]), thresholds)
        val settings = ClvSettings(o["months"]!!.toUInt(), o["discount_rate"], o["margin"], o["units_per_month"])
        for (i in c["frequency"]!!.indices) {
            val s = scorer.score(CustomerHistory(c["frequency"]!![i], c["recency"]!![i], c["T"]!![i], c["monetary_value"]!![i]), 52.0, settings)
            close(s.expectedPurchases, (g["expected_purchases_52"] as List<Double>)[i])
            close(s.probabilityAlive, (g["probability_alive"] as List<Double>)[i])
            close(s.clv!!, (g["clv"] as List<Double>)[i])
            require(s.tier!!.toDouble() == (g["tiers"] as List<Double>)[i]) { "tier of customer $i" }
        }
        val pnbd = ValueScorer.fromJson(toJson(g["pnbd"]), toJson(g["gamma_gamma"]), listOf())
        for (i in c["frequency"]!!.indices) {
            val s = pnbd.score(CustomerHistory(c["frequency"]!![i], c["recency"]!![i], c["T"]!![i], c["monetary_value"]!![i]), 52.0, settings)
            close(s.expectedPurchases, (g["pnbd_expected_purchases_52"] as List<Double>)[i])
            close(s.probabilityAlive, (g["pnbd_probability_alive"] as List<Double>)[i])
            close(s.clv!!, (g["pnbd_clv"] as List<Double>)[i])
            val customer = CustomerHistory(c["frequency"]!![i], c["recency"]!![i], c["T"]!![i], 0.0)
            close(pnbd.discountedExpectedResidualTransactions(customer, g["pnbd_dert_rate"] as Double), (g["pnbd_dert"] as List<Double>)[i])
            close(pnbd.probabilityOfPurchases(customer, 1u, 26.0), (g["pnbd_probability_one_purchase_in_26"] as List<Double>)[i])
        }
        try { ValueScorer.fromJson(toJson(g["gamma_gamma"]), null, listOf()); error("accepted") }
        catch (e: KehuException.Value) { require(e.code == "VALUE_INVALID_OPTION") }
        val noSpend = ValueScorer.fromJson(toJson(g["bgnbd"]), null, listOf())
        require(noSpend.score(CustomerHistory(0.0, 0.0, 30.0, 0.0), 52.0, null).clv == null)
        // Bad input to the core's scorer: typed errors, never a guess.
        try { ValueScorer.fromJson(toJson(g["bgnbd"]), toJson(g["gamma_gamma"]), listOf(Double.NaN)); error("accepted NaN thresholds") }
        catch (e: KehuException.Value) { require(e.code == "VALUE_INVALID_OPTION") }
        for (bad in listOf(CustomerHistory(Double.NaN, 0.0, 30.0, 0.0), CustomerHistory(1.0, 40.0, 30.0, 0.0), CustomerHistory(1.0, 1.0, Double.POSITIVE_INFINITY, 0.0))) {
            try { noSpend.score(bad, 52.0, null); error("accepted $bad") }
            catch (e: KehuException.Value) { require(e.code.startsWith("VALUE_")) { e.code } }
        }
        try { noSpend.score(CustomerHistory(1.0, 1.0, 30.0, 0.0), Double.NaN, null); error("accepted a NaN horizon") }
        catch (e: KehuException.Value) { require(e.code.startsWith("VALUE_")) { e.code } }
    }
}

@Suppress("UNCHECKED_CAST")
fun segmentTests(path: String) {
    val g = Json(File(path).readText()).parse() as Map<String, Any?>
    check("segment documents saved by the core assign the golden points and customers identically") {
        val km = ClusterAssigner.fromJson(toJson(g["kmeans"]))
        val points = g["points"] as List<List<Double>>
        val labels = g["labels"] as List<Double>
        for (i in points.indices) require(km.cluster(points[i]).toDouble() == labels[i]) { "point $i" }
        try { km.cluster(listOf(1.0)); error("accepted") }
        catch (e: KehuException.Segment) { require(e.code == "SEGMENT_INVALID_OPTION") }
        val mapper = SegmentMapper.fromJson(toJson(g["segment_map"]))
        val s = g["rfm_scores"] as Map<String, List<Double>>
        val segments = g["segments"] as List<String?>
        for (i in segments.indices) {
            val got = mapper.segment(s["R"]!![i].toUInt(), s["F"]!![i].toUInt(), s["M"]!![i].toUInt())
            require(got == segments[i]) { "customer $i: $got" }
        }
    }
    check("k-prototypes and audience documents saved by the core give the golden answers") {
        val kp = ModesAssigner.fromJson(toJson(g["kprototypes"]))
        val numeric = g["mixed_numeric"] as List<List<Double?>>
        val categories = g["mixed_categories"] as List<List<String?>>
        val labels = g["mixed_labels"] as List<Double>
        for (i in numeric.indices) {
            val got = kp.cluster(numeric[i].map { it ?: Double.NaN }, categories[i])
            require(got.toDouble() == labels[i]) { "row $i: $got" }
        }
        val c = g["audience_customer"] as Map<String, Any?>
        val profile = IncrementalProfile()
        val events = (c["events"] as List<Map<String, Any?>>).map {
            ProfileEvent(it["timestamp"] as String, it["amount"] as Double, null, it["category"] as String?, it["channel"] as String?)
        }
        events.forEach { profile.add(it) }
        val a = c["attributes"] as Map<String, Any?>
        val attributes = listOf(
            AttributeEntry("age", a["age"] as Double, null, null, null),
            AttributeEntry("member", null, null, a["member"] as Boolean, null),
            AttributeEntry("region", null, a["region"] as String, null, null),
            AttributeEntry("signup", null, null, null, a["signup"] as String),
        )
        val evaluator = AudienceEvaluator.fromJson(toJson(g["audiences"]))
        val segments = (c["segments"] as Map<String, String>)
        val got = evaluator.audiencesOf(c["customer_id"] as String, profile, attributes, segments, events, c["as_of"] as String)
        require(got == g["audience_members"]) { "audiences $got" }
        val mixture = MixtureAssigner.fromJson(toJson(g["gmm"]))
        for (bad in listOf(listOf<Double>(), listOf(1.0), listOf(Double.NaN, 0.0))) {
            try { mixture.component(bad); error("accepted $bad") }
            catch (e: KehuException.Segment) { require(e.code.startsWith("SEGMENT_")) { e.code } }
            try { mixture.probabilities(bad); error("accepted $bad") }
            catch (e: KehuException.Segment) { require(e.code.startsWith("SEGMENT_")) { e.code } }
        }
        val gc = g["gmm_components"] as List<Double>
        val gp = g["gmm_probabilities"] as List<List<Double>>
        val pts = g["points"] as List<List<Double>>
        for (i in gc.indices) {
            require(mixture.component(pts[i]).toDouble() == gc[i]) { "gmm row $i" }
            val p = mixture.probabilities(pts[i])
            for (c in p.indices) require(abs(p[c] - gp[i][c]) <= 1e-12 * maxOf(1.0, abs(gp[i][c]))) { "gmm row $i comp $c" }
        }
        require(lifecycleStage(200.0, 10.0, 8.0, null, """{"kind": "cadence"}""") == "at_risk")
        require(lifecycleStage(null, 0.0, null, null, null) == "prospect")
        try { AudienceEvaluator.fromJson("""{"format_version": 1, "kind": "audiences", "audiences": [{"name": "x", "rule": {"field": "orders", "op": "=>", "value": 1}}]}"""); error("accepted") }
        catch (e: KehuException.Segment) { require(e.code == "SEGMENT_INVALID_RULE") }
    }
}
