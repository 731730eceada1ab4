-- Сферум moved into MAX from August 2025, and the chats registry now tells «Сферум (VK
-- Мессенджер)» from MAX. A chat stored as «Сферум» was saved while the list offered «Сферум»
-- beside «MAX», so it is the one in VK Мессенджер: it keeps that meaning under the new name.
UPDATE chat_state SET platform = 'Сферум (VK Мессенджер)' WHERE platform = 'Сферум';

-- The domestic platforms the authority closes (tsos chats closing): from closing_from their
-- chats count as «на закрываемой платформе», to be moved by deadline. One row per platform.
CREATE TABLE chat_closing (
    platform     TEXT COLLATE "C" PRIMARY KEY,
    closing_from TEXT COLLATE "C" NOT NULL,
    deadline     TEXT COLLATE "C" NOT NULL,
    set_at       TEXT COLLATE "C" NOT NULL
);
