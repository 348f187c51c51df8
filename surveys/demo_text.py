"""Words for the demo data (surveys/demo_data.py): people's names and the customers'
"why?" comments in English, Indonesian and Spanish.

A comment is assembled from a few short parts (what the agent did, what the company did,
an unresolved problem, a closing word) chosen by the two scores and the interaction's
topic, then lightly restyled, so thousands of comments do not read copy-pasted.
"""

import random
import unicodedata

AGENT_NAMES = (
    # Indonesian
    "Budi Santoso", "Siti Rahmawati", "Dewi Lestari", "Agus Pratama", "Rina Wulandari", "Andi Wijaya",
    "Putri Maharani", "Rizky Ramadhan", "Nur Aisyah", "Fajar Nugroho", "Intan Permata", "Yoga Saputra",
    "Ayu Kusuma", "Hendra Gunawan", "Maya Anggraini", "Dimas Prasetyo", "Wulan Sari", "Bayu Setiawan",
    "Citra Handayani", "Teguh Hidayat", "Reza Firmansyah", "Nadia Safitri", "Kevin Tanjung",
    # Spanish
    "María González", "José Martínez", "Lucía Fernández", "Carlos Rodríguez", "Sofía López", "Javier Sánchez",
    "Camila Torres", "Diego Ramírez", "Valentina Morales", "Alejandro Castro", "Daniela Ortiz", "Miguel Herrera",
    "Paula Jiménez", "Andrés Vargas", "Elena Ruiz", "Raúl Navarro", "Carmen Delgado", "Pablo Romero",
    "Isabel Molina", "Fernando Reyes", "Gabriela Flores", "Tomás Aguilar",
    # English
    "Emily Carter", "James Walker", "Olivia Bennett", "Daniel Hughes", "Sophie Turner", "Michael Brooks",
    "Hannah Price", "Thomas Reed", "Grace Mitchell", "Ryan Cooper", "Chloe Ward", "Samuel Foster",
    "Lauren Hayes", "Nathan Gray", "Megan Ross", "Jack Ellis", "Amelia Stone", "Oliver Grant",
    "Ella Murphy", "Lucas Bell", "Priya Shah", "Kwame Mensah",
)  # fmt: skip

CUSTOMER_FIRST_NAMES = {
    "en": ("Sarah", "David", "Jessica", "Mark", "Laura", "Kevin", "Rachel", "Brian", "Anna", "Peter", "Kate", "Chris",
           "Linda", "George", "Nina", "Paul", "Emma", "Sam", "Alice", "Tom", "Fiona", "Ahmed", "Mei", "Joe"),
    "id": ("Sari", "Budi", "Rudi", "Wati", "Eka", "Dian", "Adi", "Tari", "Yusuf", "Indah", "Rahmat", "Fitri", "Joko",
           "Mega", "Ilham", "Novi", "Wahyu", "Ratna", "Hadi", "Lina", "Gilang", "Asih", "Bagus", "Yanti"),
    "es": ("Ana", "Luis", "Marta", "Jorge", "Rosa", "Pedro", "Laura", "Manuel", "Clara", "Sergio", "Inés", "Álvaro",
           "Beatriz", "Hugo", "Natalia", "Iván", "Lorena", "Mateo", "Julia", "Óscar", "Ximena", "Rodrigo"),
}  # fmt: skip
CUSTOMER_LAST_NAMES = {
    "en": ("Johnson", "Smith", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Lewis", "Clarke",
           "Hall", "Wright", "Green", "Baker", "Adams", "King", "Hill", "Scott", "Young", "Khan", "Chen"),
    "id": ("Siregar", "Nasution", "Hutapea", "Saragih", "Lubis", "Harahap", "Simanjuntak", "Wibowo", "Susanto",
           "Kurniawan", "Hartono", "Suryadi", "Manurung", "Rangkuti", "Halim", "Effendi"),
    "es": ("García", "Pérez", "Gómez", "Díaz", "Muñoz", "Álvarez", "Romero", "Suárez", "Vega", "Ramos", "Cruz",
           "Medina", "Castro", "Rubio", "Ortega", "Núñez", "Iglesias", "Guerrero", "Prieto", "Soto"),
}  # fmt: skip

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"

# What the customer says about the agent, by the agent score's category.
AGENT_PARTS = {
    "en": {
        PROMOTER: [
            "{agent} was super helpful and patient.",
            "The agent knew exactly what to do.",
            "{agent} explained everything clearly and didn't rush me.",
            "Friendly, fast, and sorted on the first call.",
            "Really kind agent who went the extra mile.",
            "{agent} followed up exactly as promised.",
            "The person I spoke to actually listened.",
        ],
        PASSIVE: [
            "The agent was polite but it took a while.",
            "{agent} was fine, if a bit scripted.",
            "Okay service, nothing special.",
            "Helpful enough, though I had to explain my issue twice.",
            "The agent was nice but had to check with someone else.",
        ],
        DETRACTOR: [
            "The agent didn't seem to understand my problem.",
            "I was transferred around and had to repeat everything.",
            "{agent} was rude and kept cutting me off.",
            "Nobody took ownership of my issue.",
            "The agent read from a script and didn't listen.",
            "I was promised a call back that never came.",
        ],
    },
    "id": {
        PROMOTER: [
            "{agent} sangat membantu dan sabar.",
            "Petugasnya ramah dan cepat tanggap.",
            "Penjelasan {agent} jelas sekali, terima kasih!",
            "Masalah saya langsung selesai dalam satu kali kontak.",
            "CS-nya sopan dan solutif, mantap.",
            "Petugasnya benar-benar mendengarkan keluhan saya.",
        ],
        PASSIVE: [
            "Petugasnya cukup baik tapi agak lama.",
            "Lumayan, tapi saya harus menjelaskan masalah dua kali.",
            "Pelayanannya biasa saja.",
            "{agent} ramah, cuma jawabannya kurang jelas.",
            "Petugasnya harus tanya atasan dulu, jadi lama.",
        ],
        DETRACTOR: [
            "Petugasnya tidak paham masalah saya.",
            "Saya dioper ke sana kemari dan harus mengulang cerita.",
            "{agent} kurang ramah dan memotong pembicaraan.",
            "Jawabannya cuma template, tidak mendengarkan.",
            "Dijanjikan telepon balik tapi tidak pernah ada.",
        ],
    },
    "es": {
        PROMOTER: [
            "{agent} fue muy amable y paciente.",
            "El agente sabía exactamente qué hacer.",
            "{agent} me lo explicó todo con claridad, ¡gracias!",
            "Resolvieron mi problema en una sola llamada.",
            "Atención excelente, muy profesional.",
            "Por fin alguien que escucha de verdad.",
        ],
        PASSIVE: [
            "El agente fue correcto pero tardó bastante.",
            "Bien, aunque tuve que explicar mi problema dos veces.",
            "Servicio normal, nada especial.",
            "{agent} fue amable, pero tuvo que consultar con otra persona.",
        ],
        DETRACTOR: [
            "El agente no entendió mi problema.",
            "Me pasaron de un área a otra y tuve que repetirlo todo.",
            "{agent} fue poco amable y me interrumpía.",
            "Respuestas de guion, no me escuchó.",
            "Me prometieron una llamada que nunca llegó.",
        ],
    },
}

# What the customer says about the company: praise, mild complaints, and complaints by topic.
COMPANY_GOOD = {
    "en": [
        "Great company overall, I'd recommend you.",
        "The app makes everything easy.",
        "Good value for the price.",
        "Always reliable, never had a real problem.",
    ],
    "id": [
        "Layanannya bagus, saya rekomendasikan.",
        "Aplikasinya mudah dipakai.",
        "Harganya sepadan dengan layanannya.",
        "Selama ini selalu bisa diandalkan.",
    ],
    "es": [
        "Muy buena empresa, los recomiendo.",
        "La app es muy fácil de usar.",
        "Buena relación calidad-precio.",
        "Siempre cumplen, nunca tuve un problema serio.",
    ],
}
COMPANY_MEH = {
    "en": [
        "Prices are a bit high compared to others.",
        "The app could be easier to use.",
        "The phone menu is confusing.",
        "Fine, but the waiting times could be shorter.",
    ],
    "id": [
        "Harganya agak mahal dibanding yang lain.",
        "Aplikasinya masih bisa lebih baik.",
        "Menu teleponnya membingungkan.",
        "Oke, tapi waktu tunggunya bisa lebih cepat.",
    ],
    "es": [
        "Los precios son algo altos comparados con otros.",
        "La app podría ser más sencilla.",
        "El menú telefónico es confuso.",
        "Bien, pero la espera podría ser más corta.",
    ],
}
COMPANY_BAD = {
    "en": {
        "price": ["Way too expensive for what you get.", "Another price increase with no notice."],
        "app": ["The app keeps crashing when I try to pay.", "Your app logged me out again and reset my settings."],
        "wait": ["I waited {wait} minutes before anyone picked up.", "Hold times are ridiculous, {wait} minutes."],
        "policy": [
            "Your refund policy is unfair.",
            "The claims process takes forever and needs too many documents.",
        ],
        "outage": ["Third outage this month.", "The service was down for two days and nobody warned us."],
        "delivery": ["My order arrived a week late.", "Tracking said delivered but nothing came."],
    },
    "id": {
        "price": ["Terlalu mahal untuk layanan seperti ini.", "Harga naik lagi tanpa pemberitahuan."],
        "app": ["Aplikasinya sering error waktu mau bayar.", "Aplikasinya logout sendiri terus."],
        "wait": ["Saya menunggu {wait} menit sebelum diangkat.", "Antreannya lama sekali, {wait} menit."],
        "policy": ["Kebijakan refund-nya tidak adil.", "Proses klaimnya lama dan dokumennya ribet."],
        "outage": ["Sudah gangguan ketiga bulan ini.", "Layanan mati dua hari tanpa pemberitahuan."],
        "delivery": ["Pesanan saya telat seminggu.", "Statusnya terkirim tapi barangnya tidak ada."],
    },
    "es": {
        "price": ["Demasiado caro para lo que ofrecen.", "Otra subida de precio sin avisar."],
        "app": ["La app se cierra cuando intento pagar.", "La app me vuelve a cerrar la sesión."],
        "wait": ["Esperé {wait} minutos a que me atendieran.", "La espera es absurda, {wait} minutos."],
        "policy": [
            "La política de reembolsos es injusta.",
            "El trámite del reclamo es lentísimo y piden demasiados documentos.",
        ],
        "outage": ["Es la tercera caída del servicio este mes.", "Estuvimos dos días sin servicio y nadie avisó."],
        "delivery": ["Mi pedido llegó una semana tarde.", "Pone entregado pero no recibí nada."],
    },
}
UNRESOLVED = {
    "en": ["My problem is still not fixed.", "Still waiting for a solution.", "Nothing has changed since I called."],
    "id": ["Masalah saya belum selesai juga.", "Masih menunggu solusi.", "Belum ada perubahan sejak saya lapor."],
    "es": ["Mi problema sigue sin resolverse.", "Sigo esperando una solución.", "Nada ha cambiado desde que llamé."],
}
CLOSERS = {
    "en": {PROMOTER: ["Thanks!", "Keep it up.", "10/10."], PASSIVE: ["", "Could be better."], DETRACTOR: ["Please fix this.", "Very disappointed.", "Thinking of switching."]},  # noqa: E501
    "id": {PROMOTER: ["Terima kasih!", "Pertahankan.", "Mantap!"], PASSIVE: ["", "Bisa lebih baik."], DETRACTOR: ["Tolong diperbaiki.", "Kecewa sekali.", "Mau pindah saja."]},  # noqa: E501
    "es": {PROMOTER: ["¡Gracias!", "Sigan así.", "¡Genial!"], PASSIVE: ["", "Se puede mejorar."], DETRACTOR: ["Por favor, arréglenlo.", "Muy decepcionado.", "Pienso cambiarme."]},  # noqa: E501
}  # fmt: skip


def category(score: int) -> str:
    if score >= 9:
        return PROMOTER
    return PASSIVE if score >= 7 else DETRACTOR


def ascii_slug(text: str) -> str:
    """'Inés Álvarez' → 'ines.alvarez', for demo email addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ".".join(plain.lower().split())


def why_text(
    rng: random.Random,
    *,
    language: str,
    agent_score: int,
    company_score: int,
    agent_first_name: str,
    topic: str,
    resolved: bool,
    wait_minutes: int,
) -> str:
    """A customer's comment in `language` that fits both scores and the interaction."""
    agent_category, company_category = category(agent_score), category(company_score)
    agent_part = rng.choice(AGENT_PARTS[language][agent_category]).format(agent=agent_first_name)
    if company_category == DETRACTOR:
        company_part = rng.choice(COMPANY_BAD[language][topic]).format(wait=max(wait_minutes, 5))
    elif company_category == PASSIVE:
        company_part = rng.choice(COMPANY_MEH[language])
    else:
        company_part = rng.choice(COMPANY_GOOD[language])

    if agent_category != company_category:
        parts = [agent_part, company_part]  # the gap explains itself
        rng.shuffle(parts)
    else:
        roll = rng.random()
        parts = [agent_part] if roll < 0.45 else [company_part] if roll < 0.75 else [agent_part, company_part]
    if not resolved and DETRACTOR in (agent_category, company_category) and rng.random() < 0.6:
        parts.append(rng.choice(UNRESOLVED[language]))
    if rng.random() < 0.3:
        parts.append(rng.choice(CLOSERS[language][min(agent_category, company_category, key=_severity)]))
    text = " ".join(p for p in parts if p)
    style = rng.random()
    if style < 0.12:  # typed quickly on a phone
        text = text.lower().rstrip(".!")
    elif style < 0.16 and len(parts) > 1:
        text = text.replace(". ", ", ", 1)
    return text


def _severity(category_name: str) -> int:
    return {DETRACTOR: 0, PASSIVE: 1, PROMOTER: 2}[category_name]
